package dev.setlist.relecloud.cli;

import dev.setlist.relecloud.DemoData;
import dev.setlist.relecloud.Relecloud;
import dev.setlist.server.SetlistServer;
import dev.setlist.server.config.ServerConfig;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code setlist prove-server}: the server {@code setlist prove} starts as its child process —
 * Relecloud with the demo's users and sample data, like {@code demo}, but paying through a
 * payment gateway that runs elsewhere (the proving ground's, which outlives the server when it is
 * killed). The database is the embedded H2 one under {@code --data} unless
 * {@code SETLIST_DATABASE_URL} names another. Prints {@code READY <port>} once it answers; SIGTERM
 * stops it gracefully. Hidden: it is a part of {@code prove}, not a command for people.
 */
@Command(name = "prove-server", hidden = true, mixinStandardHelpOptions = true,
        description = "Run Relecloud for the proving ground (started by 'setlist prove').")
public final class ProveServerCommand implements Callable<Integer> {
    @Option(names = "--port", paramLabel = "N", required = true, description = "HTTP port")
    int port;

    @Option(names = "--data", paramLabel = "DIR", required = true, description = "data directory")
    Path data;

    @Option(names = "--gateway", paramLabel = "URL", required = true, description = "the payment gateway's base URL")
    URI gateway;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        Map<String, String> env = new HashMap<>(System.getenv());
        env.put("SETLIST_ADMIN_PASSWORD", DemoData.USERS.get("admin")[1]);
        ServerConfig cfg = ServerConfig.load(null, env, port, data);
        Relecloud relecloud = new Relecloud(Relecloud.Settings.of(gateway));
        SetlistServer server = SetlistServer.builder(cfg).env(env).out(new PrintStream(OutputStream.nullOutputStream()))
                .tasks(relecloud.tasks()).extension(relecloud).build().start();
        DemoData.load(relecloud.store(), server.authStore(), Instant.now());
        out.println("READY " + server.port());
        out.flush();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.stop();
            stopped.countDown();
        }, "relecloud-prove-shutdown"));
        stopped.await();
        return 0;
    }
}
