package dev.setlist.asl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * Where Map states read items ({@code ItemReader}) and write results ({@code ResultWriter}):
 * buckets of keyed text objects. Failures throw {@link StatesException} whose cause reads as
 * Amazon S3's message ({@link #NO_SUCH_BUCKET}, {@link #NO_SUCH_KEY}).
 */
public interface ObjectStore {
    /** S3's message for a bucket that does not exist. */
    String NO_SUCH_BUCKET = "The specified bucket does not exist (Service: S3, Status Code: 404)";
    /** S3's message for a key that does not exist in an existing bucket. */
    String NO_SUCH_KEY = "The specified key does not exist. (Service: S3, Status Code: 404)";

    /** The object's text; fails with {@code States.ItemReaderFailed} when there is none (or no such bucket). */
    String get(String bucket, String key);

    /**
     * An array of {Key, Size, ETag, LastModified, StorageClass} for keys starting with prefix, in key
     * order; empty for a bucket without such keys; fails when the bucket does not exist.
     */
    JsonNode list(String bucket, String prefix);

    /** Stores an object, creating its bucket if needed. */
    void put(String bucket, String key, String content);

    /** Creates an empty bucket (nothing if it exists). */
    default void createBucket(String bucket) {
    }

    /** A store that keeps everything in memory; a bucket exists once created or written to. Thread safe. */
    static ObjectStore inMemory() {
        return new ObjectStore() {
            private final Map<String, String> objects = new ConcurrentSkipListMap<>();
            private final java.util.Set<String> buckets = java.util.concurrent.ConcurrentHashMap.newKeySet();

            private void bucket(String bucket) {
                if (!buckets.contains(bucket)) {
                    throw new StatesException(ErrorNames.ITEM_READER_FAILED, NO_SUCH_BUCKET);
                }
            }

            @Override
            public String get(String bucket, String key) {
                bucket(bucket);
                String value = objects.get(bucket + "/" + key);
                if (value == null) {
                    throw new StatesException(ErrorNames.ITEM_READER_FAILED, NO_SUCH_KEY);
                }
                return value;
            }

            @Override
            public void createBucket(String bucket) {
                buckets.add(bucket);
            }

            @Override
            public JsonNode list(String bucket, String prefix) {
                bucket(bucket);
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
                buckets.add(bucket);
                objects.put(bucket + "/" + key, content);
            }
        };
    }
}
