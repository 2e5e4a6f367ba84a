package dev.setlist.asl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * Where Map states read items ({@code ItemReader}) and write results ({@code ResultWriter}):
 * buckets of keyed text objects. Failures throw {@link StatesException}.
 */
public interface ObjectStore {
    /** The object's text; fails with {@code States.ItemReaderFailed} when there is none. */
    String get(String bucket, String key);

    /** An array of {Key, Size, ETag, LastModified, StorageClass} for keys starting with prefix, in key order. */
    JsonNode list(String bucket, String prefix);

    void put(String bucket, String key, String content);

    /** A store that keeps everything in memory. Thread safe. */
    static ObjectStore inMemory() {
        return new ObjectStore() {
            private final Map<String, String> objects = new ConcurrentSkipListMap<>();

            @Override
            public String get(String bucket, String key) {
                String value = objects.get(bucket + "/" + key);
                if (value == null) {
                    throw new StatesException(ErrorNames.ITEM_READER_FAILED, "No object '" + key + "' in bucket '" + bucket + "'");
                }
                return value;
            }

            @Override
            public JsonNode list(String bucket, String prefix) {
                ArrayNode out = JsonNodeFactory.instance.arrayNode();
                String start = bucket + "/" + prefix;
                objects.forEach((k, v) -> {
                    if (k.startsWith(start)) {
                        ObjectNode o = out.addObject();
                        o.put("Key", k.substring(bucket.length() + 1));
                        o.put("Size", v.length());
                        o.put("ETag", "\"" + Integer.toHexString(v.hashCode()) + "\"");
                        o.put("StorageClass", "STANDARD");
                    }
                });
                return out;
            }

            @Override
            public void put(String bucket, String key, String content) {
                objects.put(bucket + "/" + key, content);
            }
        };
    }
}
