package dev.setlist.engine.durability;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A {@link DurableNode} in a child JVM with the test's class path: reads its protocol lines,
 * kills it with SIGKILL ({@link Process#destroyForcibly()} on Linux) or asks it to exit.
 * Its stdout and stderr are kept in {@code <dir>/<name>.out} and {@code .err} (appended across
 * incarnations).
 */
final class ChildJvm implements AutoCloseable {
    private static final Pattern STATUS = Pattern.compile(
            "STATUS running=(\\d+) succeeded=(\\d+) other=(\\d+) live=(\\d+) threads=(\\d+) startsDone=(\\w+)");

    /** The counts a node last reported (for every execution of the machine, on any node). */
    record Status(long running, long succeeded, long other, long live, long threads, boolean startsDone) {
        long total() {
            return running + succeeded + other;
        }
    }

    private final String name;
    private final Process process;
    private final Path out;
    private final Object lock = new Object();
    private final List<String> lines = new ArrayList<>();
    private Status status;
    private boolean ended;

    private ChildJvm(String name, Process process, Path out) {
        this.name = name;
        this.process = process;
        this.out = out;
        Thread.ofPlatform().daemon(true).name("child-" + name).start(this::read);
    }

    static ChildJvm launch(String name, Path dir, List<String> args) throws IOException {
        String java = ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"), DurableNode.class.getName()));
        cmd.addAll(args);
        Path out = dir.resolve(name + ".out");
        Path err = dir.resolve(name + ".err");
        Process p = new ProcessBuilder(cmd)
                .redirectError(ProcessBuilder.Redirect.appendTo(err.toFile()))
                .start();
        return new ChildJvm(name, p, out);
    }

    private void read() {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
             OutputStream log = Files.newOutputStream(out, StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
            log.write(("---- " + name + " pid " + process.pid() + "\n").getBytes(StandardCharsets.UTF_8));
            String line;
            while ((line = r.readLine()) != null) {
                Matcher m = STATUS.matcher(line);
                synchronized (lock) {
                    if (m.find()) {
                        status = new Status(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)),
                                Long.parseLong(m.group(3)), Long.parseLong(m.group(4)), Long.parseLong(m.group(5)),
                                Boolean.parseBoolean(m.group(6)));
                    } else {
                        lines.add(line);
                        log.write((line + "\n").getBytes(StandardCharsets.UTF_8));
                    }
                    lock.notifyAll();
                }
            }
        } catch (IOException ignored) {
            // the process died
        } finally {
            synchronized (lock) {
                ended = true;
                lock.notifyAll();
            }
        }
    }

    String name() {
        return name;
    }

    long pid() {
        return process.pid();
    }

    /** Waits until the node printed the protocol line (e.g. "@@ READY"); false on timeout or death. */
    boolean awaitLine(String line, long timeoutMillis) throws InterruptedException {
        long until = System.currentTimeMillis() + timeoutMillis;
        synchronized (lock) {
            while (!lines.contains("@@ " + line)) {
                long left = until - System.currentTimeMillis();
                if (left <= 0 || ended) {
                    return false;
                }
                lock.wait(left);
            }
            return true;
        }
    }

    boolean saw(String line) {
        synchronized (lock) {
            return lines.contains("@@ " + line);
        }
    }

    /** Lines this incarnation printed that start with the prefix (after "@@ "). */
    List<String> linesStartingWith(String prefix) {
        synchronized (lock) {
            return lines.stream().filter(l -> l.startsWith("@@ " + prefix)).toList();
        }
    }

    /** Waits until a status report satisfies the condition; returns it, or null on timeout or death. */
    Status awaitStatus(Predicate<Status> condition, long timeoutMillis) throws InterruptedException {
        long until = System.currentTimeMillis() + timeoutMillis;
        synchronized (lock) {
            while (status == null || !condition.test(status)) {
                long left = until - System.currentTimeMillis();
                if (left <= 0 || ended) {
                    return null;
                }
                lock.wait(left);
            }
            return status;
        }
    }

    Status status() {
        synchronized (lock) {
            return status;
        }
    }

    boolean alive() {
        return process.isAlive();
    }

    /** SIGKILL: no shutdown hook, no engine close, nothing flushed that was not written already. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException(name + " did not die");
        }
    }

    /** Asks the node to close its engine and exit; returns its exit code. */
    int exit(long timeoutMillis) throws InterruptedException {
        try {
            PrintWriter w = new PrintWriter(process.getOutputStream(), true, StandardCharsets.UTF_8);
            w.println("exit");
        } catch (RuntimeException ignored) {
            // it is gone already
        }
        if (!process.waitFor(timeoutMillis, TimeUnit.MILLISECONDS)) {
            kill();
            throw new IllegalStateException(name + " did not exit within " + timeoutMillis + " ms");
        }
        return process.exitValue();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            kill();
        }
    }
}
