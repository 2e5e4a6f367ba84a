package dev.setlist.engine.durability;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crash proof: one node in a child JVM starts hundreds of executions of {@link Fixtures#MACHINE}
 * and runs them while it is killed with SIGKILL at random moments, four times, and restarted
 * (with the same node id) each time; the fifth incarnation finishes the work. Then every
 * acknowledged start must exist and have SUCCEEDED, every effect must have been applied exactly
 * once and every history must be whole (see {@link Checks#verify}).
 *
 * <p>The kill moments come from {@code -Dsetlist.test.seed} (printed; random by default). The
 * nodes' output is kept in the test's temporary directory while it runs.
 */
class CrashRecoveryTest {
    private static final int KILLS = 4;

    @Test
    @Timeout(120)
    void h2FileDatabaseSurvivesKills(@TempDir(cleanup = CleanupMode.ON_SUCCESS) Path dir) throws Exception {
        crashAndRecover(Databases.h2(dir), dir, 300);
    }

    @Test
    @Timeout(120)
    void postgresSurvivesKills(@TempDir(cleanup = CleanupMode.ON_SUCCESS) Path dir) throws Exception {
        String name = "setlist_crash_recovery";
        Databases.Target db = Databases.freshPostgres(name);
        crashAndRecover(db, dir, 200);
        Databases.dropPostgres(name); // kept after a failure, for a look
    }

    private static void crashAndRecover(Databases.Target db, Path dir, int executions) throws Exception {
        long seed = Long.getLong("setlist.test.seed", System.nanoTime());
        Random random = new Random(seed);
        Databases.prepare(db);
        Path acks = dir.resolve("acks.txt");
        List<String> args = List.of("url=" + db.url(), "user=" + db.user(), "password=" + db.password(), "node=n1",
                "leaseMs=2000", "pollMs=100", "start=" + executions, "prefix=e-", "ackFile=" + acks,
                "startIntervalMs=8");
        long began = System.currentTimeMillis();
        List<String> kills = new ArrayList<>();
        for (int k = 0; k < KILLS; k++) {
            try (ChildJvm node = ChildJvm.launch("n1", dir, args)) {
                assertThat(node.awaitLine("READY", 60_000)).as("node %d started (see %s)", k + 1, dir).isTrue();
                long delay = 500 + random.nextInt(1501);
                Thread.sleep(delay);
                ChildJvm.Status s = node.status();
                node.kill();
                kills.add("kill " + (k + 1) + " after " + delay + " ms: " + Checks.acknowledged(acks).size()
                        + " acknowledged, " + s);
            }
        }
        ChildJvm.Status last;
        try (ChildJvm node = ChildJvm.launch("n1", dir, args)) {
            assertThat(node.awaitLine("READY", 60_000)).as("last node started (see %s)", dir).isTrue();
            last = node.awaitStatus(s -> s.startsDone() && s.running() == 0, 60_000);
            assertThat(last).as("all executions ended; last status %s (seed %d, see %s)", node.status(), seed, dir)
                    .isNotNull();
            assertThat(node.exit(30_000)).isZero();
        }
        long took = System.currentTimeMillis() - began;

        Set<String> acked = Checks.acknowledged(acks);
        Set<String> possible = new LinkedHashSet<>();
        for (int i = 0; i < executions; i++) {
            possible.add("e-" + String.format("%04d", i));
        }
        Checks.Summary summary;
        try (Connection c = db.connect()) {
            summary = Checks.verify(c, "arn:aws:states:us-east-1:000000000000:stateMachine:" + Fixtures.MACHINE_NAME,
                    acked, possible);
        }
        System.out.println("[durability] " + db.url() + " seed " + seed + ", " + took + " ms\n  "
                + String.join("\n  ", kills) + "\n  " + summary);
        assertThat(acked).hasSizeGreaterThanOrEqualTo(executions - KILLS); // a start may commit, its ack die with the node
        assertThat(summary.executions()).isEqualTo(executions);
    }
}
