package dev.setlist.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The task endpoints and the object directory of the configuration: file, environment, flags, and precise errors. */
class TaskEndpointConfigTest {
    @TempDir
    Path dir;

    private Path yaml(String text) throws IOException {
        Path f = dir.resolve("setlist.yaml");
        Files.writeString(f, text);
        return f;
    }

    @Test
    void fileEnvAndFlags_merge_byResource_objectsRelativeToTheFile() throws IOException {
        Path f = yaml("""
                objects: objs
                endpoints:
                  - resource: arn:aws:lambda:us-east-1:123456789012:function:charge
                    url: http://127.0.0.1:9001/charge
                    timeoutSeconds: 5
                  - resource: "arn:aws:lambda:us-east-1:123456789012:function:report-*"
                    url: https://reports.local/run
                """);
        ServerConfig c = ServerConfig.load(f, Map.of("SETLIST_ENDPOINTS",
                "refund=http://127.0.0.1:9002/refund,arn:aws:lambda:us-east-1:123456789012:function:charge=http://127.0.0.1:9003/"),
                null, null);
        assertThat(c.objectsDir()).isEqualTo(dir.resolve("objs"));
        assertThat(c.endpoints()).extracting(TaskEndpoint::resource).containsExactly(
                "arn:aws:lambda:us-east-1:123456789012:function:charge",
                "arn:aws:lambda:us-east-1:123456789012:function:report-*", "refund");
        assertThat(c.endpoints().get(0).url().toString()).isEqualTo("http://127.0.0.1:9003/");
        assertThat(c.endpoints().get(0).timeout()).isEqualTo(TaskEndpoint.DEFAULT_TIMEOUT);
        assertThat(c.endpoints().get(1).prefix()).isTrue();
        ServerConfig flagged = c.withEndpoints(List.of(TaskEndpoint.parse("--endpoint", "refund=http://localhost:1/r")))
                .withObjects(Path.of("/tmp/o"));
        assertThat(flagged.endpoints()).hasSize(3);
        assertThat(flagged.endpoints().get(2).url().toString()).isEqualTo("http://localhost:1/r");
        assertThat(flagged.objectsDir()).isEqualTo(Path.of("/tmp/o"));
        assertThat(ServerConfig.load(f, Map.of("SETLIST_OBJECTS_DIR", "/data/objects"), null, null).objectsDir())
                .isEqualTo(Path.of("/data/objects"));
        assertThat(ServerConfig.load(yaml("endpoints:\n  - {resource: x, url: 'http://h/', timeoutSeconds: 7}\n"),
                Map.of(), null, null).endpoints().get(0).timeout()).isEqualTo(Duration.ofSeconds(7));
    }

    @Test
    void badMappings_areRefusedAtStart_namingWhereAndWhat() throws IOException {
        assertThatThrownBy(() -> ServerConfig.load(yaml("""
                endpoints:
                  - resource: charge
                    url: http://127.0.0.1:9001/
                    timeout: 5
                """), Map.of(), null, null))
                .hasMessageContaining("endpoints[0]: unknown keys [timeout]").hasMessageContaining("timeoutSeconds");
        assertThatThrownBy(() -> ServerConfig.load(yaml("endpoints:\n  - {resource: charge, url: 'ftp://h/x'}\n"),
                Map.of(), null, null)).hasMessageContaining("endpoints[0]: the URL 'ftp://h/x' must start with http://");
        assertThatThrownBy(() -> ServerConfig.load(yaml("endpoints:\n  - {resource: charge, url: 'http://'}\n"),
                Map.of(), null, null)).hasMessageContaining("endpoints[0]");
        assertThatThrownBy(() -> ServerConfig.load(yaml("endpoints:\n  - {resource: charge}\n"), Map.of(), null, null))
                .hasMessageContaining("endpoints[0].url is required");
        assertThatThrownBy(() -> ServerConfig.load(yaml("endpoints:\n  - {resource: 'a b', url: 'http://h/'}\n"),
                Map.of(), null, null)).hasMessageContaining("white space");
        assertThatThrownBy(() -> ServerConfig.load(yaml(
                "endpoints:\n  - {resource: 'arn:aws:lambda:us-east-1:12:function:f', url: 'http://h/'}\n"),
                Map.of(), null, null)).hasMessageContaining("is not a Lambda function ARN");
        assertThatThrownBy(() -> ServerConfig.load(yaml("endpoints:\n  - {resource: 'arn:*:x', url: 'http://h/'}\n"),
                Map.of(), null, null)).hasMessageContaining("only at its end");
        assertThatThrownBy(() -> ServerConfig.load(yaml(
                "endpoints:\n  - {resource: f, url: 'http://h/'}\n  - {resource: f, url: 'http://g/'}\n"),
                Map.of(), null, null)).hasMessageContaining("'f' is mapped twice");
        assertThatThrownBy(() -> ServerConfig.load(yaml("endpoints:\n  - {resource: f, url: 'http://u:p@h/'}\n"),
                Map.of(), null, null)).hasMessageContaining("carries credentials").hasMessageNotContaining("u:p");
        assertThatThrownBy(() -> ServerConfig.load(yaml("endpoints: {f: 'http://h/'}\n"), Map.of(), null, null))
                .hasMessageContaining("endpoints must be a list");
        assertThatThrownBy(() -> ServerConfig.load(null, Map.of("SETLIST_ENDPOINTS", "charge"), null, null))
                .hasMessageContaining("SETLIST_ENDPOINTS (entry 0): expected RESOURCE=URL");
        assertThatThrownBy(() -> ServerConfig.load(null, Map.of("SETLIST_ENDPOINTS", "charge=not a url"), null, null))
                .hasMessageContaining("SETLIST_ENDPOINTS (entry 0): 'not a url' is not a URL");
        assertThatThrownBy(() -> TaskEndpoint.parse("--endpoint", "=http://h/"))
                .hasMessageContaining("--endpoint: expected RESOURCE=URL");
        assertThatThrownBy(() -> ServerConfig.load(yaml("objects: {dir: x}\n"), Map.of(), null, null))
                .hasMessageContaining("unknown keys [objects.dir]");
    }
}
