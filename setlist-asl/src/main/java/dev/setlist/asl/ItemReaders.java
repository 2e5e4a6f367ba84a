package dev.setlist.asl;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.setlist.asl.internal.expr.Scope;
import dev.setlist.asl.internal.model.State.MapState;
import java.util.ArrayList;
import java.util.List;

/**
 * ItemReader: turns the reader's parameters into a {@link Action.ReadItems} request, and the
 * runner's answer (an object's text, or a listing) into the Map's items. Supports JSON, JSONL
 * and CSV objects and {@code s3:listObjectsV2} listings, with {@code MaxItems}.
 */
final class ItemReaders {
    static final String GET_OBJECT = "arn:aws:states:::s3:getObject";
    static final String LIST_OBJECTS = "arn:aws:states:::s3:listObjectsV2";

    private ItemReaders() {}

    static Action request(MapState.Reader reader, Scope scope, JsonNode states, String stateName) {
        JsonNode params = reader.parameters() == null ? JsonNodeFactory.instance.objectNode() : reader.parameters().eval(scope, states);
        String bucket = params.path("Bucket").asText(null);
        if (bucket == null || bucket.isEmpty()) {
            throw new StatesException(ErrorNames.ITEM_READER_FAILED, "The ItemReader of Map state '" + stateName + "' needs a Bucket");
        }
        if (GET_OBJECT.equals(reader.resource())) {
            String key = params.path("Key").asText(null);
            if (key == null || key.isEmpty()) {
                throw new StatesException(ErrorNames.ITEM_READER_FAILED, "The ItemReader of Map state '" + stateName + "' needs a Key");
            }
            return new Action.ReadItems(reader.resource(), bucket, key, null);
        }
        if (LIST_OBJECTS.equals(reader.resource())) {
            return new Action.ReadItems(reader.resource(), bucket, null, params.path("Prefix").asText(""));
        }
        throw new StatesException(ErrorNames.ITEM_READER_FAILED, "The ItemReader resource '" + reader.resource()
                + "' is not supported; use " + GET_OBJECT + " or " + LIST_OBJECTS);
    }

    static JsonNode parse(MapState.Reader reader, JsonNode content, Scope scope, JsonNode states) {
        int maxItems = Integer.MAX_VALUE;
        if (reader.maxItems() != null) {
            JsonNode v = reader.maxItems().eval(scope, states);
            if (v == null || !v.canConvertToInt() || v.intValue() < 0) {
                throw new StatesException(ErrorNames.ITEM_READER_FAILED, "MaxItems must be a non-negative integer, was " + v);
            }
            maxItems = v.intValue() == 0 ? Integer.MAX_VALUE : v.intValue();
        }
        ArrayNode items;
        if (LIST_OBJECTS.equals(reader.resource())) {
            if (content == null || !content.isArray()) {
                throw new StatesException(ErrorNames.ITEM_READER_FAILED, "The object listing is not an array");
            }
            items = (ArrayNode) content;
        } else {
            if (content == null || !content.isTextual()) {
                throw new StatesException(ErrorNames.ITEM_READER_FAILED, "The object could not be read");
            }
            String type = reader.readerConfig().path("InputType").asText("JSON");
            items = switch (type) {
                case "JSON" -> json(content.textValue());
                case "JSONL" -> jsonLines(content.textValue());
                case "CSV" -> csv(content.textValue(), reader.readerConfig());
                default -> throw new StatesException(ErrorNames.ITEM_READER_FAILED, "InputType " + type + " is not supported");
            };
        }
        if (items.size() > maxItems) {
            ArrayNode limited = JsonNodeFactory.instance.arrayNode();
            for (int i = 0; i < maxItems; i++) {
                limited.add(items.get(i));
            }
            return limited;
        }
        return items;
    }

    private static ArrayNode json(String text) {
        try {
            JsonNode node = StateMachine.JSON.readTree(text);
            if (node == null || !node.isArray()) {
                throw new StatesException(ErrorNames.ITEM_READER_FAILED, "The JSON object must hold an array of items");
            }
            return (ArrayNode) node;
        } catch (JsonProcessingException e) {
            throw new StatesException(ErrorNames.ITEM_READER_FAILED, "The object is not valid JSON: " + e.getOriginalMessage());
        }
    }

    private static ArrayNode jsonLines(String text) {
        ArrayNode items = JsonNodeFactory.instance.arrayNode();
        String[] lines = text.split("\r?\n");
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].isBlank()) {
                continue;
            }
            try {
                items.add(StateMachine.JSON.readTree(lines[i]));
            } catch (JsonProcessingException e) {
                throw new StatesException(ErrorNames.ITEM_READER_FAILED, "Line " + (i + 1) + " is not valid JSON: " + e.getOriginalMessage());
            }
        }
        return items;
    }

    private static ArrayNode csv(String text, JsonNode config) {
        char delimiter = switch (config.path("CSVDelimiter").asText("COMMA")) {
            case "PIPE" -> '|';
            case "SEMICOLON" -> ';';
            case "SPACE" -> ' ';
            case "TAB" -> '\t';
            default -> ',';
        };
        List<List<String>> rows = Csv.parse(text, delimiter);
        List<String> headers;
        int first;
        if ("GIVEN".equals(config.path("CSVHeaderLocation").asText("FIRST_ROW"))) {
            headers = new ArrayList<>();
            config.path("CSVHeaders").forEach(h -> headers.add(h.asText()));
            first = 0;
        } else {
            if (rows.isEmpty()) {
                return JsonNodeFactory.instance.arrayNode();
            }
            headers = rows.get(0);
            first = 1;
        }
        ArrayNode items = JsonNodeFactory.instance.arrayNode();
        for (int r = first; r < rows.size(); r++) {
            List<String> row = rows.get(r);
            if (row.size() != headers.size()) {
                throw new StatesException(ErrorNames.ITEM_READER_FAILED, "CSV row " + (r + 1) + " has " + row.size()
                        + " fields but there are " + headers.size() + " headers");
            }
            ObjectNode item = items.addObject();
            for (int c = 0; c < headers.size(); c++) {
                item.put(headers.get(c), row.get(c));
            }
        }
        return items;
    }

    /** RFC 4180 CSV: quoted fields, doubled quotes, CRLF or LF line ends. */
    static final class Csv {
        private Csv() {}

        static List<List<String>> parse(String text, char delimiter) {
            List<List<String>> rows = new ArrayList<>();
            List<String> row = new ArrayList<>();
            StringBuilder field = new StringBuilder();
            boolean quoted = false;
            boolean any = false;
            for (int i = 0; i < text.length(); i++) {
                char c = text.charAt(i);
                if (quoted) {
                    if (c == '"') {
                        if (i + 1 < text.length() && text.charAt(i + 1) == '"') {
                            field.append('"');
                            i++;
                        } else {
                            quoted = false;
                        }
                    } else {
                        field.append(c);
                    }
                } else if (c == '"' && field.isEmpty()) {
                    quoted = true;
                    any = true;
                } else if (c == delimiter) {
                    row.add(field.toString());
                    field.setLength(0);
                    any = true;
                } else if (c == '\n' || c == '\r') {
                    if (c == '\r' && i + 1 < text.length() && text.charAt(i + 1) == '\n') {
                        i++;
                    }
                    if (any || !field.isEmpty()) {
                        row.add(field.toString());
                        rows.add(row);
                    }
                    row = new ArrayList<>();
                    field.setLength(0);
                    any = false;
                } else {
                    field.append(c);
                    any = true;
                }
            }
            if (quoted) {
                throw new StatesException(ErrorNames.ITEM_READER_FAILED, "The CSV object ends inside a quoted field");
            }
            if (any || !field.isEmpty()) {
                row.add(field.toString());
                rows.add(row);
            }
            return rows;
        }
    }
}
