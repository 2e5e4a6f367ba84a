package dev.setlist.server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * The real clients the integration tests drive: the AWS CLI, node with the AWS SDK v3 under
 * {@code src/test/js}, and Prometheus with its {@code promtool} ({@code .ci/install-clients.sh}
 * installs them all). Without them a test is
 * skipped on a developer's machine and fails on CI ({@code CI} set), so CI cannot pass silently.
 */
final class Clients {
    private Clients() {}

    /** The AWS CLI: Debian's {@code /usr/bin/aws} first, else the one on the PATH. */
    static String awsCli() {
        for (String candidate : List.of("/usr/bin/aws", "/usr/local/bin/aws")) {
            if (Files.isExecutable(Path.of(candidate))) {
                return candidate;
            }
        }
        return require(onPath("aws"), "the AWS CLI ('aws'); run .ci/install-clients.sh");
    }

    /**
     * An AWS CLI that has {@code aws stepfunctions <operation>} (Debian's CLI v2.9 predates
     * TestState): the usual one if it does, else the first on the PATH that does.
     */
    static String awsCliWith(String operation) {
        List<String> candidates = new ArrayList<>(List.of("/usr/bin/aws", "/usr/local/bin/aws",
                Path.of(System.getProperty("user.home"), ".local/bin/aws").toString()));
        String path = System.getenv("PATH");
        if (path != null) {
            for (String dir : path.split(":")) {
                candidates.add(Path.of(dir, "aws").toString());
            }
        }
        for (String candidate : candidates) {
            if (Files.isExecutable(Path.of(candidate))
                    && run(null, Map.of("AWS_PAGER", ""), List.of(candidate, "stepfunctions", operation, "help")).exit() == 0) {
                return candidate;
            }
        }
        // Debian's CLI (v2.9) predates the newest operations and no registry here has a newer one: a
        // machine without one skips, on CI too.
        Assumptions.abort("no AWS CLI here has 'stepfunctions " + operation + "'");
        return null;
    }

    static Path sdkDirectory() {
        Path dir = Path.of("src/test/js").toAbsolutePath();
        require(Files.isDirectory(dir.resolve("node_modules/@aws-sdk/client-sfn")) ? dir.toString() : null,
                "@aws-sdk/client-sfn in " + dir + "/node_modules; run .ci/install-clients.sh");
        return dir;
    }

    /** Prometheus's server: Debian's {@code /usr/bin/prometheus} first, else the one on the PATH. */
    static String prometheus() {
        return require(Files.isExecutable(Path.of("/usr/bin/prometheus")) ? "/usr/bin/prometheus" : onPath("prometheus"),
                "Prometheus ('prometheus'); run .ci/install-clients.sh");
    }

    /** Prometheus's command-line tool, which checks metrics in the text format with Prometheus's own parser. */
    static String promtool() {
        return require(Files.isExecutable(Path.of("/usr/bin/promtool")) ? "/usr/bin/promtool" : onPath("promtool"),
                "promtool (Debian's prometheus package); run .ci/install-clients.sh");
    }

    /**
     * A Python 3 that can import boto3: the one on the PATH first (it may have a current boto3),
     * else Debian's {@code /usr/bin/python3} with {@code python3-boto3}.
     */
    static String pythonWithBoto3() {
        for (String candidate : new String[] {onPath("python3"), "/usr/bin/python3"}) {
            if (candidate == null || !Files.isExecutable(Path.of(candidate))) {
                continue;
            }
            try {
                Process p = new ProcessBuilder(candidate, "-c", "import boto3").redirectErrorStream(true).start();
                p.getInputStream().readAllBytes();
                if (p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0) {
                    return candidate;
                }
            } catch (IOException e) {
                // not this one
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        }
        return require(null, "python3 with boto3 (Debian's python3-boto3); run .ci/install-clients.sh");
    }

    static String node() {
        return require(onPath("node"), "node; run .ci/install-clients.sh");
    }

    /** Debian's Chromium and its driver ({@code apt-get install chromium chromium-driver}). */
    static String[] chromium() {
        String browser = Files.isExecutable(Path.of("/usr/bin/chromium")) ? "/usr/bin/chromium" : onPath("chromium");
        String driver = Files.isExecutable(Path.of("/usr/bin/chromedriver")) ? "/usr/bin/chromedriver" : onPath("chromedriver");
        require(browser, "chromium; run .ci/install-clients.sh");
        require(driver, "chromedriver (Debian's chromium-driver); run .ci/install-clients.sh");
        return new String[] {browser, driver};
    }

    private static String require(String found, String what) {
        if (found == null) {
            if (System.getenv("CI") != null) {
                throw new AssertionError("CI needs " + what);
            }
            Assumptions.abort("not installed here: " + what);
        }
        return found;
    }

    private static String onPath(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String dir : path.split(":")) {
            Path p = Path.of(dir, name);
            if (Files.isExecutable(p)) {
                return p.toString();
            }
        }
        return null;
    }

    /** What a finished process said. */
    record Run(int exit, String out, String err) {}

    static Run run(Path dir, Map<String, String> env, List<String> command) {
        try {
            ProcessBuilder pb = new ProcessBuilder(new ArrayList<>(command));
            if (dir != null) {
                pb.directory(dir.toFile());
            }
            pb.environment().putAll(env);
            Path out = Files.createTempFile("client", ".out");
            Path err = Files.createTempFile("client", ".err");
            pb.redirectOutput(out.toFile()).redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            Process p = pb.start();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("timed out: " + command);
            }
            Run r = new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
            return r;
        } catch (IOException e) {
            throw new AssertionError("cannot run " + command + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
