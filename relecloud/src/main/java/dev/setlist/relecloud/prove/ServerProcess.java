package dev.setlist.relecloud.prove;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The Relecloud server as a child process ({@code setlist prove-server}) on a fixed port and data
 * directory, so that it can be killed with SIGKILL and started again on the same data. Its output
 * goes to a log file. Not thread safe: the proving ground drives it from one thread.
 */
final class ServerProcess implements AutoCloseable {
    private final List<String> launcher;
    private final int port;
    private final Path data;
    private final URI gateway;
    private final Map<String, String> env;
    private final Path log;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    private Process process;

    /**
     * @param launcher the command that runs the {@code setlist} command line (java, its options,
     *                 the class path and the main class)
     */
    ServerProcess(List<String> launcher, int port, Path data, URI gateway, Map<String, String> env, Path log) {
        this.launcher = List.copyOf(launcher);
        this.port = port;
        this.data = data;
        this.gateway = gateway;
        this.env = Map.copyOf(env);
        this.log = log;
    }

    URI base() {
        return URI.create("http://127.0.0.1:" + port);
    }

    long pid() {
        return process == null ? -1 : process.pid();
    }

    /**
     * Starts the server and returns once it printed {@code READY} (its sample data is loaded) and
     * {@code /readyz} answers 200; throws when it cannot start.
     */
    void start(Duration timeout) throws IOException, InterruptedException {
        long logStart = Files.exists(log) ? Files.size(log) : 0;
        List<String> cmd = new ArrayList<>(launcher);
        cmd.addAll(List.of("prove-server", "--port", Integer.toString(port), "--data", data.toString(), "--gateway",
                gateway.toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().putAll(env);
        process = pb.start();
        long end = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < end) {
            if (!process.isAlive()) {
                throw new IOException("The server exited with " + process.exitValue() + " while starting; see " + log);
            }
            if (printedReady(logStart) && ready()) {
                return;
            }
            Thread.sleep(100);
        }
        throw new IOException("The server did not become ready within " + timeout.toSeconds() + " s; see " + log);
    }

    private boolean printedReady(long from) throws IOException {
        if (!Files.exists(log) || Files.size(log) <= from) {
            return false;
        }
        try (var in = Files.newInputStream(log)) {
            in.skipNBytes(from);
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).contains("READY " + port);
        }
    }

    boolean ready() {
        try {
            HttpResponse<Void> r = http.send(HttpRequest.newBuilder(base().resolve("/readyz")).timeout(Duration.ofSeconds(2))
                    .build(), HttpResponse.BodyHandlers.discarding());
            return r.statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** SIGKILL: the process dies at once, nothing is flushed or handed back. */
    void kill() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroyForcibly(); // SIGKILL on Unix
            process.waitFor(30, TimeUnit.SECONDS);
        }
    }

    /** SIGTERM and wait for the graceful stop (SIGKILL after {@code grace}); says how it went. */
    String stop(Duration grace) throws InterruptedException {
        if (process == null || !process.isAlive()) {
            return "server already stopped";
        }
        long t0 = System.nanoTime();
        process.destroy();
        if (process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
            return String.format(java.util.Locale.ROOT, "server stopped by SIGTERM in %.1f s (exit %d)",
                    (System.nanoTime() - t0) / 1e9, process.exitValue());
        }
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
        return "server still running " + grace.toSeconds() + " s after SIGTERM: killed with SIGKILL";
    }

    @Override
    public void close() throws InterruptedException {
        kill();
    }
}
