package dev.setlist.engine.durability;

import dev.setlist.engine.Engine;
import dev.setlist.engine.EngineException;
import dev.setlist.engine.StateMachineInfo;
import dev.setlist.engine.StateMachineType;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * One engine node in its own JVM, for the durability tests (which kill it with SIGKILL).
 *
 * <p>Arguments are {@code key=value}: {@code url}, {@code user}, {@code password}, {@code node}
 * (its node id), {@code leaseMs}, {@code pollMs}, and optionally {@code start} (how many
 * executions to start, named {@code prefix} + a number), {@code ackFile} (where each start is
 * appended once {@code startExecution} returned; names already there are not started again) and
 * {@code startIntervalMs}.
 *
 * <p>It prints protocol lines on stdout, each starting with {@code @@}: {@code READY},
 * {@code STARTS-DONE}, {@code STATUS running=… succeeded=… other=… live=… threads=… startsDone=…} (a few times
 * a second) and {@code CLOSED}. It closes its engine and exits on {@code exit} from stdin, and
 * halts when stdin ends (the test died).
 */
public final class DurableNode {
    private static volatile boolean startsDone;

    private DurableNode() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> a = new HashMap<>();
        for (String arg : args) {
            int eq = arg.indexOf('=');
            a.put(arg.substring(0, eq), arg.substring(eq + 1));
        }
        String url = a.get("url");
        String node = a.get("node");
        boolean postgres = url.startsWith("jdbc:postgresql:");
        Fixtures.DataSourceHolder holder = new Fixtures.DataSourceHolder();
        Engine engine = Engine.builder()
                .database(url, a.getOrDefault("user", "sa"), a.getOrDefault("password", ""))
                .tasks(Fixtures.tasks(node, holder))
                .nodeId(node)
                .lease(Duration.ofMillis(Long.parseLong(a.getOrDefault("leaseMs", "2000"))))
                .poll(Duration.ofMillis(Long.parseLong(a.getOrDefault("pollMs", "100"))))
                .build();
        holder.set(engine.dataSource(), postgres);
        StateMachineInfo sm = engine.createStateMachine(Fixtures.MACHINE_NAME, Fixtures.MACHINE, StateMachineType.STANDARD,
                null, null);
        say("READY");

        Thread.ofPlatform().daemon(true).name("stdin").start(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    if (line.trim().equals("exit")) {
                        engine.close();
                        say("CLOSED");
                        System.exit(0);
                    }
                }
            } catch (IOException ignored) {
                // treated as the end of stdin
            }
            Runtime.getRuntime().halt(3); // the test is gone
        });
        Thread.ofPlatform().daemon(true).name("status").start(() -> {
            while (true) {
                try {
                    say(status(engine, sm.arn()));
                } catch (RuntimeException | SQLException e) {
                    say("STATUS-ERROR " + e);
                }
                try {
                    Thread.sleep(250);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });

        int start = Integer.parseInt(a.getOrDefault("start", "0"));
        if (start > 0) {
            startExecutions(engine, sm, start, a.getOrDefault("prefix", "e-"), Path.of(a.get("ackFile")),
                    Long.parseLong(a.getOrDefault("startIntervalMs", "0")));
        }
        startsDone = true;
        say("STARTS-DONE");
        Thread.currentThread().join(); // runs until killed or told to exit
    }

    private static void startExecutions(Engine engine, StateMachineInfo sm, int count, String prefix, Path ackFile,
                                        long intervalMs) throws IOException, InterruptedException {
        Set<String> acked = new HashSet<>();
        if (Files.exists(ackFile)) {
            for (String line : Files.readAllLines(ackFile)) {
                acked.add(line.trim());
            }
        }
        try (FileChannel acks = FileChannel.open(ackFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND)) {
            for (int i = 0; i < count; i++) {
                String name = prefix + String.format("%04d", i);
                if (acked.contains(name)) {
                    continue;
                }
                try {
                    engine.startExecution(sm.arn(), name, Fixtures.INPUT, null);
                } catch (EngineException e) {
                    if (e.code() == EngineException.Code.ExecutionAlreadyExists) {
                        // Started by an incarnation killed before it could acknowledge it, and already ended.
                        say("UNACKED " + name + " " + e.getMessage());
                        continue;
                    }
                    throw e;
                }
                // Only now is the start acknowledged: one write(2), so a SIGKILL keeps it or not at all.
                acks.write(ByteBuffer.wrap((name + "\n").getBytes(StandardCharsets.UTF_8)));
                if (intervalMs > 0) {
                    Thread.sleep(intervalMs);
                }
            }
        }
    }

    private static String status(Engine engine, String smArn) throws SQLException {
        boolean done = startsDone; // read before counting, so that "done" never comes with counts from before
        long running = 0;
        long succeeded = 0;
        long other = 0;
        try (Connection c = engine.dataSource().getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT status, COUNT(*) FROM sl_execution"
                     + " WHERE state_machine_arn = ? GROUP BY status")) {
            ps.setString(1, smArn);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    switch (rs.getString(1)) {
                        case "RUNNING" -> running += rs.getLong(2);
                        case "SUCCEEDED" -> succeeded += rs.getLong(2);
                        default -> other += rs.getLong(2);
                    }
                }
            }
        }
        return "STATUS running=" + running + " succeeded=" + succeeded + " other=" + other + " live="
                + engine.liveExecutions() + " threads=" + ManagementFactory.getThreadMXBean().getThreadCount()
                + " startsDone=" + done;
    }

    private static synchronized void say(String line) {
        System.out.println("@@ " + line);
        System.out.flush();
    }
}
