package dev.setlist.asl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.setlist.asl.internal.expr.Scope;
import dev.setlist.asl.internal.model.State.MapState;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * ResultWriter: writes a Map's outcomes as {@code SUCCEEDED_0.json} and {@code FAILED_0.json}
 * (or {@code .jsonl}) plus a {@code manifest.json} under {@code Prefix/<map run>/}, and makes the
 * Map's result {@code {"MapRunArn": …, "ResultWriterDetails": {"Bucket", "Key"}}}.
 * {@code WriterConfig.Transformation}: NONE (full records), COMPACT (outputs only) or FLATTEN
 * (outputs that are arrays are spliced into one array).
 */
final class ResultWriters {
    static final String PUT_OBJECT = "arn:aws:states:::s3:putObject";
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private ResultWriters() {}

    static Action request(MapState.Writer writer, Scope scope, JsonNode states, ExecutionContext ctx, Frame frame,
                          List<Outcome> outcomes) {
        JsonNode params = params(writer, scope, states);
        String base = basePath(writer, scope, states, ctx, frame);
        String transformation = writer.writerConfig().path("Transformation").asText("NONE");
        boolean lines = "JSONL".equals(writer.writerConfig().path("OutputType").asText("JSON"));
        String ext = lines ? ".jsonl" : ".json";
        ArrayNode succeeded = NODES.arrayNode();
        ArrayNode failed = NODES.arrayNode();
        for (int i = 0; i < outcomes.size(); i++) {
            Outcome o = outcomes.get(i);
            if (o.succeeded()) {
                switch (transformation) {
                    case "COMPACT" -> succeeded.add(o.output());
                    case "FLATTEN" -> {
                        if (o.output().isArray()) {
                            succeeded.addAll((ArrayNode) o.output());
                        } else {
                            succeeded.add(o.output());
                        }
                    }
                    default -> {
                        ObjectNode record = succeeded.addObject();
                        record.put("Index", i);
                        record.put("Status", "SUCCEEDED");
                        record.put("Output", o.output().toString());
                    }
                }
            } else {
                ObjectNode record = failed.addObject();
                record.put("Index", i);
                record.put("Status", "FAILED");
                record.put("Error", o.error());
                record.put("Cause", o.cause());
            }
        }
        Map<String, String> objects = new LinkedHashMap<>();
        ObjectNode manifest = NODES.objectNode();
        manifest.put("DestinationBucket", params.path("Bucket").asText());
        manifest.put("MapRunArn", mapRunArn(ctx, frame));
        ObjectNode files = manifest.putObject("ResultFiles");
        addFile(objects, files, "SUCCEEDED", base + "/SUCCEEDED_0" + ext, render(succeeded, lines));
        addFile(objects, files, "FAILED", base + "/FAILED_0" + ext, render(failed, lines));
        files.putArray("PENDING");
        objects.put(base + "/manifest.json", manifest.toString());
        return new Action.WriteResults(params.path("Bucket").asText(), objects);
    }

    private static void addFile(Map<String, String> objects, ObjectNode files, String status, String key, String content) {
        objects.put(key, content);
        ObjectNode entry = files.putArray(status).addObject();
        entry.put("Key", key);
        entry.put("Size", JsonSize.utf8Length(content));
    }

    private static String render(ArrayNode records, boolean lines) {
        if (!lines) {
            return records.toString();
        }
        StringBuilder out = new StringBuilder();
        for (JsonNode r : records) {
            out.append(r).append('\n');
        }
        return out.toString();
    }

    static JsonNode details(MapState.Writer writer, Scope scope, JsonNode states, String base) {
        JsonNode params = params(writer, scope, states);
        ObjectNode out = NODES.objectNode();
        ObjectNode details = out.putObject("ResultWriterDetails");
        details.put("Bucket", params.path("Bucket").asText());
        details.put("Key", base + "/manifest.json");
        return out;
    }

    static String basePath(MapState.Writer writer, Scope scope, JsonNode states, ExecutionContext ctx, Frame frame) {
        String prefix = params(writer, scope, states).path("Prefix").asText("");
        String run = ctx.execution().path("Name").asText("execution") + "-" + frame.state().replaceAll("[^A-Za-z0-9_-]", "_");
        return prefix.isEmpty() ? run : (prefix.endsWith("/") ? prefix + run : prefix + "/" + run);
    }

    private static String mapRunArn(ExecutionContext ctx, Frame frame) {
        String machineArn = ctx.stateMachine().path("Id").asText("");
        String name = ctx.execution().path("Name").asText("execution");
        return machineArn.replace(":stateMachine:", ":mapRun:") + "/" + frame.state() + ":" + name;
    }

    private static JsonNode params(MapState.Writer writer, Scope scope, JsonNode states) {
        if (!PUT_OBJECT.equals(writer.resource())) {
            throw new StatesException(ErrorNames.RESULT_WRITER_FAILED, "The ResultWriter resource '" + writer.resource()
                    + "' is not supported; use " + PUT_OBJECT);
        }
        JsonNode params = writer.parameters() == null ? NODES.objectNode() : writer.parameters().eval(scope, states);
        if (params.path("Bucket").asText("").isEmpty()) {
            throw new StatesException(ErrorNames.RESULT_WRITER_FAILED, "The ResultWriter needs a Bucket");
        }
        return params;
    }
}
