package dev.setlist.bench;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * Runs {@link AslBenchmark} and prints, for each reference machine, executions per second by
 * the interpreter and by hand-written Java, their ratio (hand-written ÷ interpreter) and whether
 * it meets the goal of at most 5×; then validations and compilations per second of the 50-state
 * definition. Figures are the median of the measurement iterations (JMH's mean ± 99.9 % error
 * is printed beside it).
 *
 * <p>Run it from the repository root with one command, which finds a JDK 21+, builds the
 * module and runs this class:
 * <pre>{@code bench/run-asl.sh}</pre>
 * Settings, as system properties (pass them through {@code BENCH_OPTS}, e.g.
 * {@code BENCH_OPTS="-Dbench.measure=10" bench/run-asl.sh}):
 * <ul>
 *   <li>{@code bench.forks} (default 1)
 *   <li>{@code bench.warmup} warmup iterations (default 5), {@code bench.warmupTime} seconds each (default 1)
 *   <li>{@code bench.measure} measurement iterations (default 8), {@code bench.measureTime} seconds each (default 1)
 *   <li>{@code bench.include} regular expression over the benchmark method names (default: all)
 *   <li>{@code bench.goal} the ratio the interpreter must stay within (default 5)
 *   <li>{@code bench.verbose} true to show JMH's own progress output (default false)
 * </ul>
 */
public final class AslReport {
    private AslReport() {}

    private record Figure(double median, double mean, double error) {}

    public static void main(String[] args) throws RunnerException {
        int forks = Integer.getInteger("bench.forks", 1);
        int warmup = Integer.getInteger("bench.warmup", 5);
        int warmupTime = Integer.getInteger("bench.warmupTime", 1);
        int measure = Integer.getInteger("bench.measure", 8);
        int measureTime = Integer.getInteger("bench.measureTime", 1);
        String include = System.getProperty("bench.include", ".*");
        double goal = Double.parseDouble(System.getProperty("bench.goal", "5"));
        boolean verbose = Boolean.getBoolean("bench.verbose");

        Options options = new OptionsBuilder()
                .include(AslBenchmark.class.getName() + "\\.(" + include + ")$")
                .forks(forks)
                .warmupIterations(warmup)
                .warmupTime(TimeValue.seconds(warmupTime))
                .measurementIterations(measure)
                .measurementTime(TimeValue.seconds(measureTime))
                .verbosity(verbose ? VerboseMode.NORMAL : VerboseMode.SILENT)
                .build();
        System.out.printf(Locale.ROOT, "Running %s: %d fork(s), %d x %d s warmup, %d x %d s measurement per benchmark…%n",
                AslBenchmark.class.getSimpleName(), forks, warmup, warmupTime, measure, measureTime);
        Collection<RunResult> results = new Runner(options).run();

        Map<String, Figure> figures = new HashMap<>();
        for (RunResult r : results) {
            BenchmarkParams params = r.getParams();
            String method = params.getBenchmark().substring(params.getBenchmark().lastIndexOf('.') + 1);
            List<Double> scores = new ArrayList<>();
            for (BenchmarkResult b : r.getBenchmarkResults()) {
                for (IterationResult i : b.getIterationResults()) {
                    scores.add(i.getPrimaryResult().getScore());
                }
            }
            figures.put(method, new Figure(median(scores), r.getPrimaryResult().getScore(), r.getPrimaryResult().getScoreError()));
        }
        System.out.print(table(figures, goal));
    }

    static String table(Map<String, Figure> figures, double goal) {
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "%n%-10s | %22s | %22s | %21s | %s%n",
                "machine", "interpreter exec/s", "hand-written exec/s", "ratio (hand ÷ interp)", "goal ≤ " + fmt(goal) + "× met?"));
        out.append("-".repeat(10)).append("-+-").append("-".repeat(22)).append("-+-").append("-".repeat(22))
                .append("-+-").append("-".repeat(21)).append("-+-").append("-".repeat(14)).append('\n');
        for (ReferenceMachines.Machine m : ReferenceMachines.Machine.values()) {
            Figure interp = figures.get(m.id + "Interpreter");
            Figure hand = figures.get(m.id + "HandWritten");
            if (interp == null || hand == null) {
                continue;
            }
            double ratio = hand.median() / interp.median();
            out.append(String.format(Locale.ROOT, "%-10s | %22s | %22s | %20.2f× | %s%n", m.id, rate(interp), rate(hand), ratio,
                    ratio <= goal ? "yes" : "NO"));
        }
        Figure validate = figures.get("validate50");
        Figure compile = figures.get("compile50");
        if (validate != null || compile != null) {
            out.append('\n');
        }
        if (validate != null) {
            out.append(String.format(Locale.ROOT, "validations/s, 50-state definition (StateMachine.check):   %s%n", rate(validate)));
        }
        if (compile != null) {
            out.append(String.format(Locale.ROOT, "compilations/s, 50-state definition (StateMachine.compile): %s%n", rate(compile)));
        }
        out.append(String.format(Locale.ROOT, "%nFigures: median of the measurement iterations; in brackets, the JMH 99.9%% error as a share of the mean.%n"));
        return out.toString();
    }

    private static String rate(Figure f) {
        return String.format(Locale.ROOT, "%,.0f (±%.0f%%)", f.median(), f.mean() == 0 || Double.isNaN(f.error())
                ? 0.0 : 100 * f.error() / f.mean());
    }

    private static String fmt(double v) {
        return v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v);
    }

    static double median(List<Double> values) {
        if (values.isEmpty()) {
            return Double.NaN;
        }
        List<Double> sorted = new ArrayList<>(values);
        sorted.sort(null);
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }
}
