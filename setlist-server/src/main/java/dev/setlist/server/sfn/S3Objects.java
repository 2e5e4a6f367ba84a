package dev.setlist.server.sfn;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.setlist.asl.ObjectStore;
import dev.setlist.asl.StatesException;
import dev.setlist.asl.TaskInvoker;
import dev.setlist.server.http.Json;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.UUID;

/**
 * Amazon S3 on the server's object store (the one Distributed Map's {@code ItemReader} and
 * {@code ResultWriter} use: {@code --objects DIR}, or memory), as the AWS SDK integration calls it:
 * {@code arn:aws:states:::aws-sdk:s3:getObject}, {@code putObject} and {@code listObjectsV2}, and
 * the same actions under {@code arn:aws:states:::s3:}. Parameters and answers are in PascalCase
 * ({@code Bucket}, {@code Key}, {@code Body}); {@code Body} is the object's text, and a JSON value
 * given to {@code putObject} is stored as its JSON text. Errors are named as the SDK integration
 * names them, {@code S3.<Code>Exception}: {@code S3.NoSuchKeyException},
 * {@code S3.NoSuchBucketException} (a bucket is a folder of the directory, and {@code putObject}
 * needs it to exist, as S3 does), {@code S3.AccessDeniedException} for a name that would leave
 * the directory. Other resources go to the next invoker.
 */
public final class S3Objects implements TaskInvoker {
    static final String SDK = "arn:aws:states:::aws-sdk:s3:";
    static final String SHORT = "arn:aws:states:::s3:";
    private static final Set<String> ACTIONS = Set.of("getObject", "putObject", "listObjectsV2");

    private final ObjectStore store;
    private final TaskInvoker next;

    public S3Objects(ObjectStore store, TaskInvoker next) {
        this.store = store;
        this.next = next;
    }

    @Override
    public JsonNode invoke(Request request) {
        String r = request.resource();
        String action = r.startsWith(SDK) ? r.substring(SDK.length()) : r.startsWith(SHORT) ? r.substring(SHORT.length()) : null;
        if (action == null || !ACTIONS.contains(action)) {
            return next.invoke(request);
        }
        JsonNode p = request.input() == null || request.input().isNull() ? Json.object() : request.input();
        if (!p.isObject()) {
            throw new StatesException("S3.SdkClientException", "The Parameters of s3:" + action + " must be an object");
        }
        return switch (action) {
            case "getObject" -> get(p);
            case "putObject" -> put(p);
            default -> list(p);
        };
    }

    private JsonNode get(JsonNode p) {
        String bucket = required(p, "Bucket", "getObject");
        String key = required(p, "Key", "getObject");
        String body;
        try {
            body = store.get(bucket, key);
        } catch (StatesException e) {
            throw s3Error(e, bucket, key);
        }
        ObjectNode out = Json.object();
        out.put("AcceptRanges", "bytes");
        out.put("Body", body);
        out.put("ContentLength", body.getBytes(StandardCharsets.UTF_8).length);
        out.put("ContentType", contentType(key));
        out.put("ETag", etag(body));
        if (store instanceof DirectoryObjectStore d) {
            Instant modified = d.lastModified(bucket, key);
            if (modified != null) {
                out.put("LastModified", modified.toString());
            }
        }
        out.putObject("Metadata");
        return out;
    }

    private JsonNode put(JsonNode p) {
        String bucket = required(p, "Bucket", "putObject");
        String key = required(p, "Key", "putObject");
        JsonNode b = p.get("Body");
        String body = b == null || b.isNull() ? "" : b.isTextual() ? b.textValue() : Json.text(b);
        try {
            if (!bucketExists(bucket)) {
                throw noSuchBucket(bucket);
            }
            store.put(bucket, key, body);
        } catch (StatesException e) {
            if (e.error().startsWith("S3.")) {
                throw e;
            }
            throw s3Error(e, bucket, key);
        }
        ObjectNode out = Json.object();
        out.put("ETag", etag(body));
        out.put("ServerSideEncryption", "AES256");
        return out;
    }

    private JsonNode list(JsonNode p) {
        String bucket = required(p, "Bucket", "listObjectsV2");
        String prefix = optional(p, "Prefix");
        String delimiter = optional(p, "Delimiter");
        String startAfter = optional(p, "StartAfter");
        String token = optional(p, "ContinuationToken");
        int maxKeys = 1000;
        JsonNode mk = p.get("MaxKeys");
        if (mk != null && !mk.isNull()) {
            if (!mk.canConvertToInt() || mk.intValue() < 0) {
                throw new StatesException("S3.SdkClientException", "MaxKeys must be a non-negative integer, was " + mk);
            }
            maxKeys = Math.min(1000, mk.intValue());
        }
        String after = token != null ? new String(java.util.Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8)
                : startAfter;
        JsonNode all;
        try {
            all = store.list(bucket, prefix == null ? "" : prefix);
        } catch (StatesException e) {
            throw s3Error(e, bucket, null);
        } catch (IllegalArgumentException e) {
            throw new StatesException("S3.InvalidArgumentException", "Invalid continuation token");
        }
        ObjectNode out = Json.object();
        ArrayNode contents = Json.MAPPER.createArrayNode();
        Set<String> common = new LinkedHashSet<>();
        int count = 0;
        String last = null;
        boolean truncated = false;
        for (JsonNode o : all) {
            String key = o.path("Key").asText();
            if (after != null && key.compareTo(after) <= 0) {
                continue;
            }
            String rest = key.substring(prefix == null ? 0 : prefix.length());
            String group = null;
            if (delimiter != null && !delimiter.isEmpty() && rest.contains(delimiter)) {
                group = (prefix == null ? "" : prefix) + rest.substring(0, rest.indexOf(delimiter) + delimiter.length());
                if (common.contains(group)) {
                    continue;
                }
            }
            if (count >= maxKeys) {
                truncated = true;
                break;
            }
            count++;
            last = group != null ? group : key;
            if (group != null) {
                common.add(group);
                continue;
            }
            ObjectNode c = contents.addObject();
            c.put("ETag", o.hasNonNull("ETag") ? o.get("ETag").asText() : etagOf(bucket, key));
            c.put("Key", key);
            if (o.hasNonNull("LastModified")) {
                c.put("LastModified", o.get("LastModified").asText());
            }
            c.put("Size", o.path("Size").asLong());
            c.put("StorageClass", o.path("StorageClass").asText("STANDARD"));
        }
        if (!contents.isEmpty()) {
            out.set("Contents", contents);
        }
        if (!common.isEmpty()) {
            ArrayNode cp = out.putArray("CommonPrefixes");
            common.forEach(c -> cp.addObject().put("Prefix", c));
        }
        if (token != null) {
            out.put("ContinuationToken", token);
        }
        if (delimiter != null) {
            out.put("Delimiter", delimiter);
        }
        out.put("IsTruncated", truncated);
        out.put("KeyCount", count);
        out.put("MaxKeys", maxKeys);
        out.put("Name", bucket);
        if (truncated) {
            out.put("NextContinuationToken", java.util.Base64.getUrlEncoder().withoutPadding()
                    .encodeToString(last.getBytes(StandardCharsets.UTF_8)));
        }
        out.put("Prefix", prefix == null ? "" : prefix);
        if (startAfter != null) {
            out.put("StartAfter", startAfter);
        }
        return out;
    }

    private String etagOf(String bucket, String key) {
        try {
            return etag(store.get(bucket, key));
        } catch (RuntimeException e) {
            return "\"\"";
        }
    }

    private boolean bucketExists(String bucket) {
        if (store instanceof DirectoryObjectStore d) {
            return d.bucketExists(bucket);
        }
        try {
            store.list(bucket, "\uffff");
            return true;
        } catch (StatesException e) {
            if (e.cause() != null && e.cause().startsWith(ObjectStore.NO_SUCH_BUCKET)) {
                return false;
            }
            throw e;
        }
    }

    /** A store's failure as the SDK integration names it. */
    private static StatesException s3Error(StatesException e, String bucket, String key) {
        String cause = e.cause() == null ? "" : e.cause();
        if (cause.startsWith(ObjectStore.NO_SUCH_BUCKET)) {
            return noSuchBucket(bucket);
        }
        if (cause.startsWith(ObjectStore.NO_SUCH_KEY)) {
            return error("NoSuchKey", "The specified key does not exist.", 404);
        }
        if (cause.startsWith(DirectoryObjectStore.REFUSED)) {
            return error("AccessDenied", cause, 403);
        }
        return error("S3", cause, 500);
    }

    private static StatesException noSuchBucket(String bucket) {
        return error("NoSuchBucket", "The specified bucket does not exist", 404);
    }

    /** {@code S3.<Code>Exception} with the SDK's message: what S3 said, then service, status and request IDs. */
    private static StatesException error(String code, String message, int status) {
        String name = code.endsWith("Exception") ? code : code + "Exception";
        return new StatesException("S3." + name, message + " (Service: S3, Status Code: " + status + ", Request ID: "
                + UUID.randomUUID().toString().replace("-", "").substring(0, 16).toUpperCase() + ")");
    }

    private static String required(JsonNode p, String field, String action) {
        JsonNode v = p.get(field);
        if (v == null || v.isNull() || !v.isTextual() || v.textValue().isEmpty()) {
            throw new StatesException("S3.SdkClientException", "The parameter " + field + " of s3:" + action
                    + " is required and must be text" + (v == null || v.isNull() ? "" : ", was " + v));
        }
        return v.textValue();
    }

    private static String optional(JsonNode p, String field) {
        JsonNode v = p.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    private static String contentType(String key) {
        String k = key.toLowerCase(java.util.Locale.ROOT);
        if (k.endsWith(".json") || k.endsWith(".jsonl")) {
            return "application/json";
        }
        if (k.endsWith(".csv")) {
            return "text/csv";
        }
        if (k.endsWith(".txt")) {
            return "text/plain";
        }
        return "binary/octet-stream";
    }

    static String etag(String body) {
        try {
            byte[] md5 = MessageDigest.getInstance("MD5").digest(body.getBytes(StandardCharsets.UTF_8));
            return "\"" + HexFormat.of().formatHex(md5) + "\"";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
