package dev.setlist.relecloud.cli;

import dev.setlist.relecloud.DemoData;
import dev.setlist.relecloud.Relecloud;
import dev.setlist.relecloud.gateway.PaymentGateway;
import dev.setlist.server.SetlistServer;
import dev.setlist.server.config.ServerConfig;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code setlist demo}: the Setlist server with Relecloud on the embedded H2 database, sample
 * data, and the payment gateway simulator beside it; prints the URL and the sign-ins and runs
 * until interrupted.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Run Relecloud, the concert-ticketing reference workload, with sample data and a simulated payment gateway.")
public final class DemoCommand implements Callable<Integer> {
    @Option(names = "--port", paramLabel = "N", defaultValue = "8080", description = "HTTP port (default ${DEFAULT-VALUE})")
    int port;

    @Option(names = "--data", paramLabel = "DIR", defaultValue = "data/demo",
            description = "data directory of the embedded database (default ${DEFAULT-VALUE})")
    Path data;

    @Option(names = "--gateway-port", paramLabel = "N", defaultValue = "8089",
            description = "port of the payment gateway simulator (default ${DEFAULT-VALUE}; 0 for any free one)")
    int gatewayPort;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** A running demo: the server with Relecloud and the gateway simulator. */
    public record Demo(SetlistServer server, PaymentGateway gateway, Relecloud relecloud) implements AutoCloseable {
        @Override
        public void close() {
            server.stop();
            gateway.close();
        }
    }

    @Override
    public Integer call() throws InterruptedException {
        Demo demo = start(port, data, gatewayPort, spec.commandLine().getOut());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            demo.close();
            stopped.countDown();
        }, "relecloud-demo-shutdown"));
        stopped.await();
        return 0;
    }

    /** Starts the gateway and the server, loads the sample data once, prints the URL and the sign-ins. */
    public static Demo start(int port, Path data, int gatewayPort, PrintWriter out) {
        PaymentGateway gateway = PaymentGateway.start(gatewayPort, System.nanoTime());
        gateway.behaviour(new PaymentGateway.Behaviour(0.02, 0, 40, 300, List.of(), false));
        Map<String, String> env = new HashMap<>(System.getenv());
        env.put("SETLIST_ADMIN_PASSWORD", DemoData.USERS.get("admin")[1]);
        ServerConfig cfg = ServerConfig.load(null, env, port, data);
        Relecloud relecloud = new Relecloud(Relecloud.Settings.of(gateway.uri()));
        SetlistServer server;
        try {
            server = SetlistServer.builder(cfg).env(env).out(new java.io.PrintStream(java.io.OutputStream.nullOutputStream()))
                    .tasks(relecloud.tasks()).extension(relecloud).build().start();
        } catch (RuntimeException e) {
            gateway.close();
            throw e;
        }
        boolean loaded = DemoData.load(relecloud.store(), server.authStore(), Instant.now());
        out.println("Relecloud is running: http://localhost:" + server.port());
        out.println("  payment gateway simulator: " + gateway.uri() + " (2% failures, 40 ms median latency)");
        out.println("  data: " + data.toAbsolutePath() + (loaded ? " (sample data loaded)" : ""));
        out.println("Sign in as:");
        DemoData.USERS.forEach((user, rp) -> out.printf("  %-6s %-14s password %s%n", user, rp[0], rp[1]));
        out.println("Stop with Ctrl-C.");
        out.flush();
        return new Demo(server, gateway, relecloud);
    }
}
