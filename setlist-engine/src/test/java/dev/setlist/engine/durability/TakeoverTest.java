package dev.setlist.engine.durability;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Takeover proof (PostgreSQL): three nodes in child JVMs (n1, n2, n3, lease 2 s) each start 50
 * executions of {@link Fixtures#MACHINE} and share the work; n2 is killed with SIGKILL while it
 * holds executions in flight. The other two must take them over once n2's leases run out and
 * finish everything, every effect exactly once.
 */
class TakeoverTest {
    private static final int PER_NODE = 50;

    @Test
    @Timeout(120)
    void survivingNodesTakeOverTheExecutionsOfAKilledNode(@TempDir(cleanup = CleanupMode.ON_SUCCESS) Path dir)
            throws Exception {
        String dbName = "setlist_takeover";
        Databases.Target db = Databases.freshPostgres(dbName);
        Databases.prepare(db);
        List<String> names = List.of("n1", "n2", "n3");
        List<ChildJvm> nodes = new ArrayList<>();
        long began = System.currentTimeMillis();
        long killedAt;
        long finishedAt;
        ChildJvm.Status atKill;
        int ackedByVictimAtKill;
        try {
            for (String n : names) {
                nodes.add(ChildJvm.launch(n, dir, List.of("url=" + db.url(), "user=" + db.user(),
                        "password=" + db.password(), "node=" + n, "leaseMs=2000", "pollMs=100", "start=" + PER_NODE,
                        "prefix=" + n + "-", "ackFile=" + dir.resolve(n + ".acks"), "startIntervalMs=20")));
            }
            for (ChildJvm node : nodes) {
                assertThat(node.awaitLine("READY", 60_000)).as("%s started (see %s)", node.name(), dir).isTrue();
            }
            ChildJvm victim = nodes.get(1);
            // Kill n2 once it started most of its executions and some are well under way.
            assertThat(victim.awaitLine("STARTS-DONE", 60_000)).isTrue();
            Thread.sleep(800);
            atKill = victim.status();
            ackedByVictimAtKill = Checks.acknowledged(dir.resolve("n2.acks")).size();
            victim.kill();
            killedAt = System.currentTimeMillis();

            ChildJvm.Status end = null;
            for (ChildJvm survivor : List.of(nodes.get(0), nodes.get(2))) {
                end = survivor.awaitStatus(s -> s.startsDone() && s.running() == 0 && s.total() == 3L * PER_NODE,
                        60_000);
                assertThat(end).as("%s saw every execution end; last status %s (see %s)", survivor.name(),
                        survivor.status(), dir).isNotNull();
            }
            finishedAt = System.currentTimeMillis();
            for (ChildJvm survivor : List.of(nodes.get(0), nodes.get(2))) {
                assertThat(survivor.exit(30_000)).isZero();
            }
        } finally {
            for (ChildJvm node : nodes) {
                node.close();
            }
        }
        long took = System.currentTimeMillis() - began;

        Set<String> acked = new LinkedHashSet<>();
        Set<String> possible = new LinkedHashSet<>();
        for (String n : names) {
            acked.addAll(Checks.acknowledged(dir.resolve(n + ".acks")));
            for (int i = 0; i < PER_NODE; i++) {
                possible.add(n + "-" + String.format("%04d", i));
            }
        }
        Checks.Summary summary;
        int takenOver;
        try (Connection c = db.connect()) {
            summary = Checks.verify(c, "arn:aws:states:us-east-1:000000000000:stateMachine:" + Fixtures.MACHINE_NAME,
                    acked, possible);
            // Executions n2 started whose later effects another node applied after the kill.
            int[] n = {0};
            Checks.query(c, "SELECT COUNT(DISTINCT execution) FROM effects WHERE execution LIKE 'n2-%' AND node <> 'n2'"
                    + " AND ts >= ?", rs -> n[0] = rs.getInt(1), killedAt);
            takenOver = n[0];
        }
        System.out.println("[durability] takeover: n2 killed with " + ackedByVictimAtKill + " starts acknowledged, " + atKill
                + "; " + takenOver + " of its executions finished elsewhere; " + took + " ms in all, "
                + (finishedAt - killedAt) + " ms after the kill\n  " + summary);
        assertThat(acked).hasSize(3 * PER_NODE);
        assertThat(summary.executions()).isEqualTo(3 * PER_NODE);
        assertThat(takenOver).as("executions of n2 finished by n1 or n3").isPositive();
        Databases.dropPostgres(dbName);
    }
}
