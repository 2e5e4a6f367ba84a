package dev.setlist.relecloud.prove;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The proving ground end to end, briefly: a child server, fifteen seconds of traffic over the six
 * flows with one gateway error burst, the invariants and the report. Speed is not judged here
 * (the full run is {@code ./setlist prove}); what is judged is that the harness still drives every
 * flow, injects its fault and checks the invariants.
 */
class ProveSmokeTest {
    @TempDir
    Path dir;

    @Test
    void run_shortWithGatewayErrors_drivesEveryFlowAndTheInvariantsHold() throws Exception {
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        ProveRun.Settings settings = new ProveRun.Settings(Duration.ofSeconds(15), 0, dir.resolve("data"), false,
                Set.of("gateway-errors"), dir.resolve("results"), ProveRun.launcher(classPath), 1, Duration.ofSeconds(40));

        ProveRun.Result result = ProveRun.run(settings, new java.io.PrintWriter(System.err, true));

        assertThat(result.flows()).extracting(r -> r.flow().id()).containsExactlyElementsOf(Traffic.FLOWS);
        assertThat(result.flows()).allSatisfy(r -> assertThat(r.requests()).as(r.flow().id()).isPositive());
        assertThat(result.markdown())
                .contains("gateway error burst: 60% of gateway calls answered 503", "gateway error burst ends")
                .contains("| No concert sells more seats than its capacity | **pass** |")
                .contains("| No acknowledged purchase is lost | **pass** |")
                .contains("| No purchase is duplicated (one per idempotency key) | **pass** |")
                .contains("| Money is taken exactly for the tickets sold (gateway's books) | **pass** |")
                .contains("| Every call that must be refused is refused | **pass** |")
                .contains("| Every execution ends (none RUNNING after the grace period) | **pass** |");
        assertThat(Files.readString(dir.resolve("data/server.log"))).doesNotContain("could not commit a step");
        assertThat(result.file()).startsWith(dir.resolve("results")).hasContent(result.markdown());
        assertThat(Files.readString(dir.resolve("data/server.log"))).contains("READY");
    }
}
