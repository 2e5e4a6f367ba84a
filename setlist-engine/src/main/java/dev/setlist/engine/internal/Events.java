package dev.setlist.engine.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The details objects of history events, under the field names of Step Functions'
 * GetExecutionHistory ({@code stateEnteredEventDetails}, {@code taskScheduledEventDetails}, …).
 * JSON payloads appear as strings, as in the API.
 */
public final class Events {
    private Events() {}

    public static ObjectNode details(String field, Object... keyValues) {
        ObjectNode d = Json.object();
        ObjectNode inner = d.putObject(field);
        for (int i = 0; i < keyValues.length; i += 2) {
            String key = (String) keyValues[i];
            Object v = keyValues[i + 1];
            if (v == null) {
                continue;
            }
            if (v instanceof JsonNode n) {
                inner.put(key, Json.write(n));
                if (key.equals("input") || key.equals("output") || key.equals("parameters")) {
                    inner.putObject(key + "Details").put("truncated", false);
                }
            } else if (v instanceof Integer n) {
                inner.put(key, n);
            } else if (v instanceof Long n) {
                inner.put(key, n);
            } else {
                inner.put(key, v.toString());
            }
        }
        return d;
    }

    public static ObjectNode none() {
        return null;
    }

    public static ObjectNode stateEntered(String name, JsonNode input) {
        return details("stateEnteredEventDetails", "name", name, "input", input);
    }

    public static ObjectNode stateExited(String name, JsonNode output) {
        return details("stateExitedEventDetails", "name", name, "output", output);
    }

    public static ObjectNode error(String field, String error, String cause) {
        return details(field, "error", error, "cause", cause);
    }

    /** {@code arn:aws:states:::lambda:invoke} → ["lambda", "invoke"]; other forms keep the whole ARN. */
    public static String[] resource(String resource) {
        String prefix = "arn:aws:states:::";
        if (resource.startsWith(prefix)) {
            String rest = resource.substring(prefix.length());
            int colon = rest.indexOf(':');
            if (colon > 0) {
                return new String[] {rest.substring(0, colon), rest.substring(colon + 1)};
            }
        }
        String[] p = resource.split(":");
        return new String[] {p.length > 2 ? p[2] : "custom", resource};
    }

    public static ObjectNode task(String field, String resource, Object... more) {
        String[] r = resource(resource);
        Object[] kv = new Object[4 + more.length];
        kv[0] = "resourceType";
        kv[1] = r[0];
        kv[2] = "resource";
        kv[3] = r[1];
        System.arraycopy(more, 0, kv, 4, more.length);
        return details(field, kv);
    }
}
