package dev.setlist.server.cli;

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
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * The local object store: a directory per bucket under a root, keys as relative file paths.
 * Keys that would escape their bucket ("..", absolute paths) are refused.
 */
final class DirectoryObjectStore implements ObjectStore {
    private final Path root;

    DirectoryObjectStore(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    private Path resolve(String bucket, String key, String error) {
        Path bucketDir = root.resolve(bucket).normalize();
        Path file = bucketDir.resolve(key).normalize();
        if (!bucketDir.startsWith(root) || bucketDir.equals(root) || !file.startsWith(bucketDir)) {
            throw new StatesException(error, "The bucket/key '" + bucket + "/" + key + "' is not a valid object name");
        }
        return file;
    }

    @Override
    public String get(String bucket, String key) {
        Path file = resolve(bucket, key, ErrorNames.ITEM_READER_FAILED);
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new StatesException(ErrorNames.ITEM_READER_FAILED, "No object '" + key + "' in bucket '" + bucket
                    + "' (looked for " + file + ")");
        }
    }

    @Override
    public JsonNode list(String bucket, String prefix) {
        Path bucketDir = resolve(bucket, ".", ErrorNames.ITEM_READER_FAILED);
        ArrayNode out = JsonNodeFactory.instance.arrayNode();
        if (!Files.isDirectory(bucketDir)) {
            throw new StatesException(ErrorNames.ITEM_READER_FAILED, "No bucket '" + bucket + "' (looked for " + bucketDir + ")");
        }
        try (Stream<Path> files = Files.walk(bucketDir)) {
            List<Path> sorted = files.filter(Files::isRegularFile).sorted().toList();
            for (Path f : sorted) {
                String key = bucketDir.relativize(f).toString().replace('\\', '/');
                if (key.startsWith(prefix)) {
                    ObjectNode o = out.addObject();
                    o.put("Key", key);
                    o.put("Size", Files.size(f));
                    o.put("LastModified", Files.getLastModifiedTime(f).toInstant().toString());
                    o.put("StorageClass", "STANDARD");
                }
            }
        } catch (IOException e) {
            throw new StatesException(ErrorNames.ITEM_READER_FAILED, "Bucket '" + bucket + "' cannot be listed: " + e.getMessage());
        }
        return out;
    }

    @Override
    public void put(String bucket, String key, String content) {
        Path file = resolve(bucket, key, ErrorNames.RESULT_WRITER_FAILED);
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, content, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new StatesException(ErrorNames.RESULT_WRITER_FAILED, "Object '" + key + "' cannot be written to bucket '"
                    + bucket + "': " + e.getMessage());
        }
    }
}
