package dev.setlist.asl.internal.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.setlist.asl.StatesException;
import dev.setlist.asl.internal.expr.ExpressionSyntaxException;
import dev.setlist.asl.internal.expr.Scope;
import dev.setlist.asl.internal.intrinsic.Intrinsic;
import dev.setlist.asl.internal.intrinsic.Intrinsics;
import dev.setlist.asl.internal.path.Path;
import dev.setlist.asl.internal.path.Paths;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * A JSONPath-mode payload template (Parameters, ResultSelector, ItemSelector, Assign): a JSON
 * value whose object keys ending in {@code .$} take their value from a path or an intrinsic
 * function call. Compiled once; literal sub-trees are shared, not copied, on evaluation.
 */
public abstract sealed class Payload {
    private Payload() {}

    public abstract JsonNode evaluate(Scope scope);

    public static Payload compile(JsonNode template) throws ExpressionSyntaxException {
        if (template.isObject()) {
            List<String> names = new ArrayList<>();
            List<Object> values = new ArrayList<>();
            boolean dynamic = false;
            Iterator<Map.Entry<String, JsonNode>> fields = template.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> field = fields.next();
                String key = field.getKey();
                if (key.endsWith(".$") && key.length() > 2) {
                    if (!field.getValue().isTextual()) {
                        throw new ExpressionSyntaxException("the value of \"" + key + "\" must be a path or an intrinsic function, as a string");
                    }
                    String text = field.getValue().asText();
                    names.add(key.substring(0, key.length() - 2));
                    values.add(Intrinsics.isCall(text) ? Intrinsics.parse(text) : Paths.compile(text));
                    dynamic = true;
                } else {
                    Payload child = compile(field.getValue());
                    dynamic |= !(child instanceof Literal);
                    names.add(key);
                    values.add(child);
                }
            }
            if (!dynamic) {
                return new Literal(template);
            }
            return new ObjectTemplate(names.toArray(String[]::new), values.toArray());
        }
        if (template.isArray()) {
            List<Payload> items = new ArrayList<>();
            boolean dynamic = false;
            for (JsonNode item : template) {
                Payload child = compile(item);
                dynamic |= !(child instanceof Literal);
                items.add(child);
            }
            return dynamic ? new ArrayTemplate(items.toArray(Payload[]::new)) : new Literal(template);
        }
        return new Literal(template);
    }

    static final class Literal extends Payload {
        private final JsonNode value;

        Literal(JsonNode value) {
            this.value = value;
        }

        @Override
        public JsonNode evaluate(Scope scope) {
            return value;
        }
    }

    static final class ObjectTemplate extends Payload {
        private final String[] names;
        private final Object[] values;

        ObjectTemplate(String[] names, Object[] values) {
            this.names = names;
            this.values = values;
        }

        @Override
        public JsonNode evaluate(Scope scope) {
            ObjectNode out = new ObjectNode(JsonNodeFactory.instance, java.util.LinkedHashMap.newLinkedHashMap(names.length));
            for (int i = 0; i < names.length; i++) {
                Object value = values[i];
                if (value instanceof Payload payload) {
                    out.set(names[i], payload.evaluate(scope));
                } else if (value instanceof Path path) {
                    JsonNode selected = path.read(scope);
                    if (selected == null) {
                        throw StatesException.runtime("The JSONPath '" + path.text() + "' specified for the field '"
                                + names[i] + ".$' could not be found in the input '" + scope.input() + "'");
                    }
                    out.set(names[i], selected);
                } else {
                    out.set(names[i], ((Intrinsic) value).evaluate(scope));
                }
            }
            return out;
        }
    }

    static final class ArrayTemplate extends Payload {
        private final Payload[] items;

        ArrayTemplate(Payload[] items) {
            this.items = items;
        }

        @Override
        public JsonNode evaluate(Scope scope) {
            ArrayNode out = JsonNodeFactory.instance.arrayNode(items.length);
            for (Payload item : items) {
                out.add(item.evaluate(scope));
            }
            return out;
        }
    }

}
