package dev.setlist.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServerConfigTest {
    @TempDir
    Path dir;

    @Test
    void load_defaults_embeddedH2InDataDir() {
        ServerConfig c = ServerConfig.load(null, Map.of(), null, null);
        assertThat(c.port()).isEqualTo(8080);
        assertThat(c.jdbcUrl()).startsWith("jdbc:h2:file:").endsWith("/data/setlist;DB_CLOSE_ON_EXIT=FALSE");
        assertThat(c.authEnabled()).isTrue();
        // an empty GetActivityTask answers before the SDKs' 60 s read timeouts
        assertThat(c.activityPoll()).isEqualTo(Duration.ofSeconds(50));
    }

    @Test
    void load_activityPollLongerThanAws_refused() throws Exception {
        Path file = dir.resolve("poll.yaml");
        Files.writeString(file, "limits:\n  activityPollSeconds: 61\n");
        assertThatThrownBy(() -> ServerConfig.load(file, Map.of(), null, null))
                .hasMessageContaining("limits.activityPollSeconds must be at most 60");
        Files.writeString(file, "limits:\n  activityPollSeconds: 5\n");
        assertThat(ServerConfig.load(file, Map.of(), null, null).activityPoll()).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void load_yamlThenEnvThenFlags_laterWins() throws Exception {
        Path file = dir.resolve("setlist.yaml");
        Files.writeString(file, """
                port: 9000
                region: eu-west-1
                database:
                  url: jdbc:postgresql://db/setlist
                  user: setlist
                limits:
                  maxBodyBytes: 1000
                  syncTimeoutSeconds: 10
                shutdownGraceSeconds: 3
                """);
        ServerConfig c = ServerConfig.load(file, Map.of("SETLIST_PORT", "9100", "SETLIST_DATABASE_PASSWORD", "pw"), 9200,
                Path.of("/var/setlist"));
        assertThat(c.port()).isEqualTo(9200);
        assertThat(c.region()).isEqualTo("eu-west-1");
        assertThat(c.jdbcUrl()).isEqualTo("jdbc:postgresql://db/setlist");
        assertThat(c.databaseUser()).isEqualTo("setlist");
        assertThat(c.databasePassword()).isEqualTo("pw");
        assertThat(c.maxBodyBytes()).isEqualTo(1000);
        assertThat(c.syncTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(c.shutdownGrace()).isEqualTo(Duration.ofSeconds(3));
        assertThat(c.dataDir()).isEqualTo(Path.of("/var/setlist"));
        assertThat(ServerConfig.load(file, Map.of("SETLIST_PORT", "9100"), null, null).port()).isEqualTo(9100);
    }

    @Test
    void load_badValues_nameSourceKeyAndValue() throws Exception {
        Path file = dir.resolve("bad.yaml");
        Files.writeString(file, "port: eighty\n");
        assertThatThrownBy(() -> ServerConfig.load(file, Map.of(), null, null))
                .hasMessage(file + ": port must be an integer, was \"eighty\"");
        Files.writeString(file, "prot: 80\nlimits:\n  maxBody: 1\n");
        assertThatThrownBy(() -> ServerConfig.load(file, Map.of(), null, null))
                .hasMessageStartingWith(file + ": unknown keys [limits.maxBody, prot]");
        assertThatThrownBy(() -> ServerConfig.load(null, Map.of("SETLIST_PORT", "x"), null, null))
                .hasMessage("SETLIST_PORT must be an integer, was 'x'");
        assertThatThrownBy(() -> ServerConfig.load(null, Map.of("SETLIST_ACCOUNT", "12"), null, null))
                .hasMessage("account must be 12 digits, was '12'");
        assertThatThrownBy(() -> ServerConfig.load(null, Map.of(), 70000, null))
                .hasMessage("--port: port must be between 0 and 65535, was 70000");
    }

    @Test
    void load_flowsAndTelemetry_fromYamlAndEnv() throws Exception {
        Path file = dir.resolve("setlist.yaml");
        Files.writeString(file, """
                flows: flows.yaml
                telemetry:
                  enabled: false
                  otlpEndpoint: http://collector:4318
                """);
        ServerConfig c = ServerConfig.load(file, Map.of(), null, null);
        assertThat(c.flowsFile()).isEqualTo(dir.toAbsolutePath().resolve("flows.yaml"));
        assertThat(c.telemetryEnabled()).isFalse();
        assertThat(c.otlpEndpoint()).isEqualTo("http://collector:4318");
        ServerConfig e = ServerConfig.load(file, Map.of("SETLIST_FLOWS", "/etc/flows.yaml", "SETLIST_TELEMETRY_ENABLED",
                "true", "SETLIST_OTLP_ENDPOINT", "https://otel.example"), null, null);
        assertThat(e.flowsFile()).isEqualTo(Path.of("/etc/flows.yaml"));
        assertThat(e.telemetryEnabled()).isTrue();
        assertThat(e.otlpEndpoint()).isEqualTo("https://otel.example");
        assertThat(ServerConfig.load(null, Map.of(), null, null).telemetryEnabled()).isTrue();
        assertThatThrownBy(() -> ServerConfig.load(null, Map.of("SETLIST_OTLP_ENDPOINT", "collector:4318"), null, null))
                .hasMessage("SETLIST_OTLP_ENDPOINT must be an http:// or https:// URL, was 'collector:4318'");
    }
}
