package dev.setlist.server.sfn;

import static dev.setlist.server.TestServer.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.setlist.server.TestServer;
import dev.setlist.server.config.ServerConfig;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * GetActivityTask's long poll over HTTP: with no task it answers an empty one when the poll ends,
 * even past Jetty's 30 s idle timeout, and well before the SDKs' 60 s read timeouts.
 */
class ActivityPollTest {
    private static final Duration POLL = Duration.ofSeconds(35);
    private static TestServer server;

    @BeforeAll
    static void start() {
        server = new TestServer(c -> new ServerConfig(c.host(), c.port(), c.dataDir(), c.databaseUrl(), c.databaseUser(),
                c.databasePassword(), c.databasePoolSize(), c.region(), c.account(), c.maxBodyBytes(), c.syncTimeout(),
                POLL, c.shutdownGrace(), c.sessionTtl(), c.authEnabled(), c.flowsFile(), c.telemetryEnabled(),
                c.otlpEndpoint()));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void getActivityTask_noTask_answersEmptyWhenThePollEnds() {
        String activity = server.ok("CreateActivity", json("name", "idle-workers")).get("activityArn").asText();
        long start = System.nanoTime();
        TestServer.Response r = server.call("GetActivityTask", json("activityArn", activity, "workerName", "w"));
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        JsonNode body = r.body();
        assertThat(body.has("taskToken")).isFalse();
        assertThat(took).isGreaterThanOrEqualTo(POLL.minusSeconds(1)).isLessThan(POLL.plusSeconds(10));
        assertThat(ServerConfig.defaults().activityPoll()).isLessThan(Duration.ofSeconds(60));
    }
}
