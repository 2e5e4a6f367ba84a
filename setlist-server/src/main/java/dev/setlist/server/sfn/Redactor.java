package dev.setlist.server.sfn;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.setlist.flows.Catalog;
import dev.setlist.flows.Flow;
import dev.setlist.flows.SensitivePath;
import dev.setlist.flows.Targets;
import dev.setlist.server.auth.Principal;
import dev.setlist.server.telemetry.FlowIndex;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Redacts the sensitive fields of executions' data in the answers of the Step Functions API
 * (and so of the console, which reads through it) for callers whose grants lack
 * {@value #READ_SENSITIVE} on the execution's state machine. Which fields: those the
 * {@code targets.security.sensitivePaths} of the flow bound to the state machine name; a
 * {@code confidential} or {@code restricted} flow that names none has its executions' data
 * redacted whole. Answers of state machines no flow binds are unchanged.
 *
 * <p>Redacted: {@code input} and {@code output} of DescribeExecution and StartSyncExecution, and
 * every history event's {@code input}, {@code output} and {@code parameters} in
 * GetExecutionHistory (with the whole-data rule, failures' {@code cause} too). Each of them is a
 * JSON text: the named fields are replaced with {@value SensitivePath#REDACTED}, or the text
 * becomes the JSON string {@code "**redacted**"}. Thread safe.
 */
public final class Redactor {
    /** The action a caller needs to see sensitive fields in clear. */
    public static final String READ_SENSITIVE = "setlist:ReadSensitive";

    /** Redacts nothing (a server without a flow catalog). */
    public static final Redactor NONE = new Redactor(() -> null);

    private static final String WHOLE = Json.quoted(SensitivePath.REDACTED);
    private static final List<String> DATA = List.of("input", "output", "parameters");

    private final Supplier<FlowIndex> flows;

    /** Reads the flow catalog (and the bindings) from {@code flows} at each call: it is loaded after the API starts. */
    public Redactor(Supplier<FlowIndex> flows) {
        this.flows = flows;
    }

    /** What a flow asks to hide: some paths, or the whole data. */
    record Rule(List<SensitivePath> paths, boolean whole) {}

    /**
     * The answer of {@code action} as {@code caller} may see it (the same object, redacted in place).
     */
    public ObjectNode answer(String action, Req request, Principal caller, ObjectNode out) {
        if (out == null) {
            return null;
        }
        switch (action) {
            case "DescribeExecution", "StartSyncExecution" -> {
                String arn = out.path("executionArn").asText(null);
                Rule rule = ruleFor(arn, caller);
                if (rule != null) {
                    redactMember(out, "input", rule);
                    redactMember(out, "output", rule);
                }
            }
            case "GetExecutionHistory" -> {
                Rule rule = ruleFor(request.optStr("executionArn"), caller);
                if (rule != null) {
                    for (JsonNode event : out.path("events")) {
                        history(event, rule);
                    }
                }
            }
            default -> {
                // no execution data in the answer
            }
        }
        return out;
    }

    /** The rule for the execution (or state machine) {@code arn} when {@code caller} must not see it in clear; else null. */
    Rule ruleFor(String arn, Principal caller) {
        FlowIndex index = flows.get();
        Catalog catalog = index == null ? null : index.catalog();
        String machine = machineName(arn);
        if (catalog == null || machine == null) {
            return null;
        }
        Flow flow = catalog.flow(index.stateMachine(machine));
        Targets.Security security = flow == null ? null : flow.targets().security();
        if (security == null || security.sensitivePaths().isEmpty() && !security.redactsWhole()) {
            return null;
        }
        if (caller.allows(READ_SENSITIVE, StepFunctions.machineOf(arn))) {
            return null;
        }
        return new Rule(security.sensitivePaths(), security.redactsWhole());
    }

    private static String machineName(String arn) {
        if (arn == null) {
            return null;
        }
        String[] p = arn.split(":", -1);
        return p.length >= 7 ? p[6].split("/", 2)[0] : null;
    }

    private static void history(JsonNode event, Rule rule) {
        if (!(event instanceof ObjectNode e)) {
            return;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = e.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            if (f.getKey().endsWith("EventDetails") && f.getValue() instanceof ObjectNode details) {
                for (String member : DATA) {
                    redactMember(details, member, rule);
                }
                if (rule.whole() && details.has("cause")) {
                    details.put("cause", SensitivePath.REDACTED);
                }
            }
        }
    }

    private static void redactMember(ObjectNode o, String member, Rule rule) {
        JsonNode v = o.get(member);
        if (v != null && v.isTextual()) {
            o.put(member, redactText(v.textValue(), rule));
        }
    }

    /** {@code text} (a JSON document) with the rule's fields redacted; the whole of it when it is not JSON. */
    static String redactText(String text, Rule rule) {
        if (rule.whole()) {
            return WHOLE;
        }
        JsonNode doc;
        try {
            doc = Json.READER.readTree(text);
        } catch (java.io.IOException | RuntimeException e) {
            return WHOLE;
        }
        if (doc == null || doc.isMissingNode()) {
            return text;
        }
        for (SensitivePath p : rule.paths()) {
            doc = p.redact(doc);
        }
        return doc.toString();
    }

    /** A mapper of its own: stored data may nest deeper than the limit for callers' JSON. */
    private static final class Json {
        static final ObjectMapper READER = new ObjectMapper();

        static String quoted(String s) {
            return TextNode.valueOf(s).toString();
        }
    }
}
