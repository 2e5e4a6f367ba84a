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
 * executions of {@link Fixtures#MACHINE} (tasks of up to 0.6 s, so that a node holds many at a
 * time) and share the work; n2 is killed with SIGKILL once it started 35 of its executions, while
 * it holds some in flight. The other two must take them over once n2's leases run out and finish
 * everything, every effect exactly once.
 */
class TakeoverTest {
    private static final int PER_NODE = 50;

    @Test
    @Timeout(120)
    void survivingNodesTakeOverTheExecutionsOfAKilledNode(@TempDir(cleanup = CleanupMode.ON_SUCCESS) Path dir)
            throws Exception {
        String dbName = Databases.uniqueName("setlist_takeover");
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
                        "prefix=" + n + "-", "ackFile=" + dir.resolve(n + ".acks"), "startIntervalMs=40",
                        "pauseMs=300")));
            }
            for (ChildJvm node : nodes) {
                assertThat(node.awaitLine("READY", 60_000)).as("%s started (see %s)", node.name(), dir).isTrue();
            }
            ChildJvm victim = nodes.get(1);
            Path victimAcks = dir.resolve("n2.acks");
            long until = System.currentTimeMillis() + 60_000;
            while (Checks.acknowledged(victimAcks).size() < 35) {
                assertThat(System.currentTimeMillis()).as("n2 started 35 executions").isLessThan(until);
                Thread.sleep(20);
            }
            atKill = victim.status();
            ackedByVictimAtKill = Checks.acknowledged(dir.resolve("n2.acks")).size();
            victim.kill();
            killedAt = System.currentTimeMillis();

            ChildJvm.Status end = null;
            for (ChildJvm survivor : List.of(nodes.get(0), nodes.get(2))) {
                end = survivor.awaitStatus(s -> s.startsDone() && s.running() == 0, 60_000);
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
        Checks.keepLogs(dir, "takeover");

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
        int reinvokedElsewhere;
        try (Connection c = db.connect()) {
            summary = Checks.verify(c, "arn:aws:states:us-east-1:000000000000:stateMachine:" + Fixtures.MACHINE_NAME,
                    acked, possible);
            // Executions n2 started whose later effects another node applied after the kill.
            int[] n = {0};
            Checks.query(c, "SELECT COUNT(DISTINCT execution) FROM effects WHERE execution LIKE 'n2-%' AND node <> 'n2'"
                    + " AND ts >= ?", rs -> n[0] = rs.getInt(1), killedAt);
            takenOver = n[0];
            // Tasks n2 applied but died before recording, invoked again by the node that took over.
            Checks.query(c, "SELECT COUNT(*) FROM effects e WHERE e.node = 'n2' AND EXISTS (SELECT 1 FROM invocations i"
                    + " WHERE i.idempotency_key = e.idempotency_key AND i.node <> 'n2')", rs -> n[0] = rs.getInt(1));
            reinvokedElsewhere = n[0];
        }
        System.out.println("[durability] takeover: n2 killed with " + ackedByVictimAtKill + " starts acknowledged, " + atKill
                + "; " + takenOver + " of its executions finished elsewhere, " + reinvokedElsewhere + " tasks it applied"
                + " were invoked again elsewhere and found applied; " + took + " ms in all, "
                + (finishedAt - killedAt) + " ms after the kill\n  " + summary + "\n  " + Checks.logs(dir));
        assertThat(Checks.logs(dir).uncaught()).as("exceptions that escaped the engine's threads").isEmpty();
        assertThat(acked).hasSizeGreaterThanOrEqualTo(2 * PER_NODE + 35);
        assertThat(summary.executions()).isGreaterThanOrEqualTo(acked.size());
        assertThat(takenOver).as("executions of n2 finished by n1 or n3").isPositive();
        Databases.dropPostgres(dbName);
    }
}
