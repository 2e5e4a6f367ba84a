package dev.setlist.server.sfn;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.setlist.asl.ErrorNames;
import dev.setlist.asl.ObjectStore;
import dev.setlist.asl.StatesException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * The local object store: a directory per bucket under a root, keys as relative file paths. A
 * bucket exists when its directory does (a Map's {@code ResultWriter} creates it). Names that
 * would leave the root or their bucket ({@code ..}, absolute paths, a bucket with a separator,
 * a symbolic link out) are refused with a cause starting with {@link #REFUSED}; a missing bucket
 * or key fails with a cause starting with {@link ObjectStore#NO_SUCH_BUCKET} or
 * {@link ObjectStore#NO_SUCH_KEY}, as the other stores do.
 */
public final class DirectoryObjectStore implements ObjectStore {
    /** How the cause of a refused bucket or key begins. */
    public static final String REFUSED = "Access Denied: the object name is outside the object directory";

    private final Path root;

    public DirectoryObjectStore(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    /** The directory the buckets are folders of. */
    public Path root() {
        return root;
    }

    private Path bucketDir(String bucket, String error) {
        if (bucket == null || bucket.isEmpty() || bucket.contains("/") || bucket.contains("\\") || bucket.equals(".")
                || bucket.equals("..") || bucket.indexOf('\0') >= 0) {
            throw new StatesException(error, REFUSED + " (bucket '" + bucket + "')");
        }
        Path dir = root.resolve(bucket).normalize();
        if (!dir.startsWith(root) || dir.equals(root)) {
            throw new StatesException(error, REFUSED + " (bucket '" + bucket + "')");
        }
        return dir;
    }

    private Path resolve(String bucket, String key, String error) {
        Path bucketDir = bucketDir(bucket, error);
        if (key == null || key.isEmpty() || key.indexOf('\0') >= 0) {
            throw new StatesException(error, REFUSED + " ('" + bucket + "/" + key + "')");
        }
        Path file;
        try {
            file = bucketDir.resolve(key).normalize();
        } catch (java.nio.file.InvalidPathException e) {
            throw new StatesException(error, REFUSED + " ('" + bucket + "/" + key + "')");
        }
        if (!file.startsWith(bucketDir) || file.equals(bucketDir)) {
            throw new StatesException(error, REFUSED + " ('" + bucket + "/" + key + "')");
        }
        // A symbolic link (or a linked folder on the way) must not lead out of the bucket either.
        try {
            Path real = bucketDir.toRealPath();
            Path existing = file;
            while (existing != null && !Files.exists(existing, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                existing = existing.getParent();
            }
            if (existing != null && existing.startsWith(bucketDir) && !existing.toRealPath().startsWith(real)) {
                throw new StatesException(error, REFUSED + " ('" + bucket + "/" + key + "')");
            }
        } catch (IOException e) {
            // no bucket directory yet: nothing to follow
        }
        return file;
    }

    /** Whether the bucket's directory exists (a refused name fails as {@link #get} does). */
    public boolean bucketExists(String bucket) {
        return Files.isDirectory(bucketDir(bucket, ErrorNames.ITEM_READER_FAILED));
    }

    @Override
    public String get(String bucket, String key) {
        Path file = resolve(bucket, key, ErrorNames.ITEM_READER_FAILED);
        if (!bucketExists(bucket)) {
            throw new StatesException(ErrorNames.ITEM_READER_FAILED, NO_SUCH_BUCKET + " (bucket '" + bucket
                    + "': no folder " + root.resolve(bucket) + ")");
        }
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException | java.nio.file.AccessDeniedException e) {
            throw new StatesException(ErrorNames.ITEM_READER_FAILED, NO_SUCH_KEY + " (no object '" + key
                    + "' in bucket '" + bucket + "')");
        } catch (IOException e) {
            if (Files.isDirectory(file)) {
                throw new StatesException(ErrorNames.ITEM_READER_FAILED, NO_SUCH_KEY + " (no object '" + key
                        + "' in bucket '" + bucket + "')");
            }
            throw new StatesException(ErrorNames.ITEM_READER_FAILED, "Object '" + key + "' of bucket '" + bucket
                    + "' cannot be read: " + e.getMessage());
        }
    }

    /** When the object was last written, or null when there is none. */
    public java.time.Instant lastModified(String bucket, String key) {
        Path file = resolve(bucket, key, ErrorNames.ITEM_READER_FAILED);
        try {
            return Files.getLastModifiedTime(file).toInstant();
        } catch (IOException e) {
            return null;
        }
    }

    @Override
    public JsonNode list(String bucket, String prefix) {
        Path bucketDir = bucketDir(bucket, ErrorNames.ITEM_READER_FAILED);
        ArrayNode out = JsonNodeFactory.instance.arrayNode();
        if (!Files.isDirectory(bucketDir)) {
            throw new StatesException(ErrorNames.ITEM_READER_FAILED, NO_SUCH_BUCKET + " (bucket '" + bucket
                    + "': no folder " + bucketDir + ")");
        }
        String p = prefix == null ? "" : prefix;
        // Walk only the folder the prefix names, when it names one.
        int slash = p.lastIndexOf('/');
        Path start = bucketDir;
        if (slash > 0) {
            Path candidate = resolve(bucket, p.substring(0, slash), ErrorNames.ITEM_READER_FAILED);
            if (!Files.isDirectory(candidate)) {
                return out;
            }
            start = candidate;
        }
        try (Stream<Path> files = Files.walk(start)) {
            List<Path> sorted = files.filter(Files::isRegularFile).filter(f -> !writing(f)).toList();
            List<String> keys = sorted.stream().map(f -> bucketDir.relativize(f).toString().replace('\\', '/'))
                    .filter(k -> k.startsWith(p)).sorted().toList();
            for (String key : keys) {
                Path f = bucketDir.resolve(key);
                ObjectNode o = out.addObject();
                o.put("Key", key);
                o.put("Size", Files.size(f));
                o.put("LastModified", Files.getLastModifiedTime(f).toInstant().toString());
                o.put("StorageClass", "STANDARD");
            }
        } catch (IOException e) {
            throw new StatesException(ErrorNames.ITEM_READER_FAILED, "Bucket '" + bucket + "' cannot be listed: " + e.getMessage());
        }
        return out;
    }

    /** A file {@link #put} is still writing (it is renamed into place when complete). */
    private static boolean writing(Path f) {
        String n = f.getFileName().toString();
        return n.startsWith(".put-") && n.endsWith(".tmp");
    }

    @Override
    public void put(String bucket, String key, String content) {
        Path file = resolve(bucket, key, ErrorNames.RESULT_WRITER_FAILED);
        try {
            Files.createDirectories(file.getParent());
            Path tmp = Files.createTempFile(file.getParent(), ".put-", ".tmp");
            try {
                Files.writeString(tmp, content, StandardCharsets.UTF_8);
                Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new StatesException(ErrorNames.RESULT_WRITER_FAILED, "Object '" + key + "' cannot be written to bucket '"
                    + bucket + "': " + e.getMessage());
        }
    }

    @Override
    public void createBucket(String bucket) {
        try {
            Files.createDirectories(bucketDir(bucket, ErrorNames.RESULT_WRITER_FAILED));
        } catch (IOException e) {
            throw new StatesException(ErrorNames.RESULT_WRITER_FAILED, "Bucket '" + bucket + "' cannot be created: "
                    + e.getMessage());
        }
    }
}
