package dev.setlist.server.cli;

import dev.setlist.server.SetlistServer;
import dev.setlist.server.config.ServerConfig;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code setlist serve}: runs the server until SIGTERM or SIGINT, then shuts down gracefully. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Run the Setlist server: the Step Functions API on POST /, /api/v1, /healthz and /readyz.")
public final class ServeCommand implements java.util.concurrent.Callable<Integer> {
    @Option(names = "--config", paramLabel = "FILE", description = "YAML configuration file")
    Path config;

    @Option(names = "--port", paramLabel = "N", description = "HTTP port (default 8080, or SETLIST_PORT)")
    Integer port;

    @Option(names = "--data", paramLabel = "DIR", description = "data directory for the embedded database and the server key"
            + " (default ./data, or SETLIST_DATA_DIR)")
    Path data;

    @Option(names = "--objects", paramLabel = "DIR", description = "directory of the local object store (a folder per"
            + " bucket) behind Distributed Map's ItemReader/ResultWriter and the S3 integrations"
            + " (default: in memory, or SETLIST_OBJECTS_DIR)")
    Path objects;

    @Option(names = "--endpoint", paramLabel = "RESOURCE=URL", description = "answer a Task resource (a Lambda"
            + " function's name or ARN, any ARN, or a prefix ending with *) by POSTing its input to URL; repeatable")
    java.util.List<String> endpoints = new java.util.ArrayList<>();

    @Override
    public Integer call() throws InterruptedException {
        ServerConfig loaded = ServerConfig.load(config, System.getenv(), port, data);
        if (objects != null) {
            loaded = loaded.withObjects(objects);
        }
        java.util.List<dev.setlist.server.config.TaskEndpoint> flagged = new java.util.ArrayList<>();
        for (String e : endpoints) {
            flagged.add(dev.setlist.server.config.TaskEndpoint.parse("--endpoint", e));
        }
        ServerConfig cfg = loaded.withEndpoints(flagged);
        jsonLogs();
        SetlistServer server = SetlistServer.builder(cfg).build().start();
        System.err.println("setlist: serving on http://" + cfg.host() + ":" + server.port() + " (region " + cfg.region()
                + ", account " + cfg.account() + ", database " + redact(cfg.jdbcUrl()) + ", objects "
                + (cfg.objectsDir() == null ? "in memory" : cfg.objectsDir().toAbsolutePath()) + ", "
                + cfg.endpoints().size() + " task endpoints)");
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.err.println("setlist: stopping (grace " + cfg.shutdownGrace().toSeconds() + " s)");
            server.stop();
            stopped.countDown();
        }, "setlist-shutdown"));
        stopped.await();
        return 0;
    }

    /**
     * Switches logging to one JSON object per line ({@code logback-serve.xml}) unless a logback
     * configuration was given with {@code -Dlogback.configurationFile}.
     */
    static void jsonLogs() {
        if (System.getProperty("logback.configurationFile") != null
                || !(org.slf4j.LoggerFactory.getILoggerFactory() instanceof ch.qos.logback.classic.LoggerContext context)) {
            return;
        }
        java.net.URL url = ServeCommand.class.getResource("/logback-serve.xml");
        try {
            context.reset();
            ch.qos.logback.classic.joran.JoranConfigurator configurator = new ch.qos.logback.classic.joran.JoranConfigurator();
            configurator.setContext(context);
            configurator.doConfigure(url);
        } catch (ch.qos.logback.core.joran.spi.JoranException e) {
            System.err.println("setlist: could not configure JSON logs: " + e.getMessage());
        }
    }

    private static String redact(String url) {
        return url.replaceAll("(?i)(password=)[^;&]*", "$1***");
    }
}
