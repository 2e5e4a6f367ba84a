package dev.setlist.server.sfn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.setlist.asl.ObjectStore;
import dev.setlist.asl.StatesException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The directory store keeps every name inside its directory and fails as the other stores do. */
class DirectoryObjectStoreTest {
    @TempDir
    Path dir;

    @Test
    void escapes_areRefused_forReadsListsAndWrites() throws IOException {
        Path root = Files.createDirectories(dir.resolve("objects"));
        Files.createDirectories(root.resolve("b"));
        Files.writeString(dir.resolve("secret.txt"), "secret");
        DirectoryObjectStore store = new DirectoryObjectStore(root);
        for (String[] name : new String[][] {{"b", "../../secret.txt"}, {"..", "secret.txt"}, {"b/..", "x"},
                {"b", dir.resolve("secret.txt").toString()}, {"", "x"}, {"b", "a/../../x"}}) {
            assertThatThrownBy(() -> store.get(name[0], name[1])).as(String.join("/", name))
                    .isInstanceOf(StatesException.class).extracting(e -> ((StatesException) e).cause())
                    .asString().startsWith(DirectoryObjectStore.REFUSED);
            assertThatThrownBy(() -> store.put(name[0], name[1], "x")).as(String.join("/", name))
                    .isInstanceOf(StatesException.class);
        }
        assertThatThrownBy(() -> store.list("..", "")).isInstanceOf(StatesException.class);
        assertThatThrownBy(() -> store.list("b", "../")).isInstanceOf(StatesException.class);
        assertThat(Files.readString(dir.resolve("secret.txt"))).isEqualTo("secret");
        assertThat(dir.resolve("x")).doesNotExist();
    }

    @Test
    void aSymbolicLinkOutOfTheBucket_isRefused() throws IOException {
        Path root = Files.createDirectories(dir.resolve("objects"));
        Path bucket = Files.createDirectories(root.resolve("b"));
        Path outside = Files.createDirectories(dir.resolve("outside"));
        Files.writeString(outside.resolve("s.txt"), "secret");
        try {
            Files.createSymbolicLink(bucket.resolve("link"), outside);
        } catch (UnsupportedOperationException | IOException e) {
            return; // no symbolic links here
        }
        DirectoryObjectStore store = new DirectoryObjectStore(root);
        assertThatThrownBy(() -> store.get("b", "link/s.txt")).isInstanceOf(StatesException.class)
                .extracting(e -> ((StatesException) e).cause()).asString().startsWith(DirectoryObjectStore.REFUSED);
        assertThatThrownBy(() -> store.put("b", "link/new.txt", "x")).isInstanceOf(StatesException.class);
        assertThat(outside.resolve("new.txt")).doesNotExist();
    }

    @Test
    void missingBucketOrKey_failWithS3sMessages_andWritesAreListedInKeyOrder() {
        DirectoryObjectStore store = new DirectoryObjectStore(dir);
        assertThatThrownBy(() -> store.get("none", "k")).extracting(e -> ((StatesException) e).cause()).asString()
                .startsWith(ObjectStore.NO_SUCH_BUCKET);
        store.put("b", "z/2.json", "2");
        store.put("b", "a.json", "1");
        assertThatThrownBy(() -> store.get("b", "missing")).extracting(e -> ((StatesException) e).cause()).asString()
                .startsWith(ObjectStore.NO_SUCH_KEY);
        assertThat(store.get("b", "z/2.json")).isEqualTo("2");
        assertThat(store.list("b", "").findValuesAsText("Key")).containsExactly("a.json", "z/2.json");
        assertThat(store.list("b", "z/").findValuesAsText("Key")).containsExactly("z/2.json");
        assertThat(store.list("b", "y/").size()).isZero();
    }
}
