package dev.setlist.relecloud.prove;

import dev.setlist.flows.Catalog;
import dev.setlist.flows.Flow;
import dev.setlist.flows.Targets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The proving run's report in Markdown: per flow the requests, the availability measured from
 * the client against the flow's objective and the latency percentiles against its targets (both
 * from {@code flows.yaml}), pass or miss; per operation the bad outcomes and their reasons; which
 * fault window the bad outcomes fell in; the fault timeline; the invariants.
 */
final class Report {
    /** How long after a fault ends its bad outcomes are still put down to it (clients retrying, breakers closing). */
    static final long AFTERMATH_MILLIS = 10_000;

    /** The measured figures of one flow against its targets. */
    record FlowResult(Flow flow, int requests, int good, double availability, Map<Double, Long> percentiles,
                      long p99OutsideFaults, boolean availabilityMet, boolean latencyMet) {
        boolean pass() {
            return availabilityMet && latencyMet;
        }
    }

    private Report() {}

    static List<FlowResult> flows(Catalog catalog, List<Recorder.Sample> samples, List<Timeline.Window> windows) {
        List<FlowResult> out = new ArrayList<>();
        for (String id : Traffic.FLOWS) {
            Flow f = catalog.flow(id);
            List<Recorder.Sample> mine = samples.stream().filter(s -> s.flow().equals(id)).toList();
            int good = (int) mine.stream().filter(Recorder.Sample::good).count();
            double availability = mine.isEmpty() ? Double.NaN : 100.0 * good / mine.size();
            long[] nanos = mine.stream().mapToLong(Recorder.Sample::nanos).sorted().toArray();
            Map<Double, Long> pct = new TreeMap<>();
            for (double p : new double[] {50, 95, 99}) {
                pct.put(p, percentile(nanos, p));
            }
            boolean latencyMet = true;
            Targets.Performance perf = f.targets().performance();
            if (perf != null) {
                for (var e : perf.latency().entrySet()) {
                    long measured = percentile(nanos, e.getKey());
                    pct.put(e.getKey(), measured);
                    latencyMet &= measured <= e.getValue().toNanos();
                }
            }
            boolean availabilityMet = !mine.isEmpty() && availability >= f.targets().reliability().availability();
            long[] calm = mine.stream().filter(s -> windows.stream().noneMatch(w -> during(w, s)))
                    .mapToLong(Recorder.Sample::nanos).sorted().toArray();
            out.add(new FlowResult(f, mine.size(), good, availability, pct, percentile(calm, 99), availabilityMet,
                    latencyMet && !mine.isEmpty()));
        }
        return out;
    }

    /** Whether the request was under way during the fault's window or its aftermath. */
    private static boolean during(Timeline.Window w, Recorder.Sample s) {
        return w.overlaps(s.startMillis(), s.startMillis() + s.nanos() / 1_000_000, AFTERMATH_MILLIS);
    }

    /** Nearest-rank percentile in nanoseconds; 0 without samples. */
    static long percentile(long[] sorted, double p) {
        if (sorted.length == 0) {
            return 0;
        }
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    static String markdown(String title, List<String> setting, List<FlowResult> flows, List<Recorder.Sample> samples,
                           Timeline timeline, List<Invariants.Check> invariants) {
        StringBuilder b = new StringBuilder();
        b.append("# ").append(title).append("\n\n");
        setting.forEach(line -> b.append("- ").append(line).append('\n'));
        b.append("\n## Flows against their targets\n\n");
        b.append("Availability is the share of requests that got the right answer as the client saw it, after the"
                + " client's own retries (refused calls count as right when refused). Latency is the user's wait, retries"
                + " included; a purchase and a concert creation are timed from the POST until their final state. \"p99"
                + " outside faults\" leaves out the requests under way during a fault or within "
                + AFTERMATH_MILLIS / 1000 + " s after it.\n\n");
        b.append("| flow | criticality | requests | bad | availability | objective | p50 | p95 | p99 | p99 outside"
                + " faults | latency target | result |\n|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|\n");
        for (FlowResult r : flows) {
            Targets.Performance perf = r.flow().targets().performance();
            String targets = perf == null || perf.latency().isEmpty() ? "none" : perf.latency().entrySet().stream()
                    .map(e -> "p" + fmtPct(e.getKey()) + " ≤ " + fmtDuration(e.getValue())).collect(Collectors.joining(", "));
            String result = r.pass() ? "**pass**" : "**miss**" + (r.availabilityMet ? "" : " (availability)")
                    + (r.latencyMet ? "" : " (latency)");
            b.append(String.format(Locale.ROOT, "| %s | %s | %d | %d | %s | %s%% | %s | %s | %s | %s | %s | %s |%n",
                    r.flow().id(), r.flow().criticality().yaml(), r.requests(), r.requests() - r.good(),
                    Double.isNaN(r.availability()) ? "–" : String.format(Locale.ROOT, "%.2f%%", r.availability()),
                    fmtPct(r.flow().targets().reliability().availability()), ms(r.percentiles().get(50.0)),
                    ms(r.percentiles().get(95.0)), ms(r.percentiles().get(99.0)), ms(r.p99OutsideFaults()), targets,
                    result));
        }
        b.append("\n## Operations\n\n| flow | operation | requests | bad | retried | p50 | p99 | bad outcomes (most"
                + " frequent first) |\n|---|---|---:|---:|---:|---:|---:|---|\n");
        Map<String, List<Recorder.Sample>> byOp = new TreeMap<>();
        samples.forEach(s -> byOp.computeIfAbsent(s.flow() + " " + s.op(), k -> new ArrayList<>()).add(s));
        byOp.forEach((k, list) -> {
            long[] nanos = list.stream().mapToLong(Recorder.Sample::nanos).sorted().toArray();
            long bad = list.stream().filter(s -> !s.good()).count();
            long retried = list.stream().filter(s -> s.attempts() > 1).count();
            b.append(String.format(Locale.ROOT, "| %s | %s | %d | %d | %d | %s | %s | %s |%n", list.get(0).flow(),
                    list.get(0).op(), list.size(), bad, retried, ms(percentile(nanos, 50)), ms(percentile(nanos, 99)),
                    reasons(list)));
        });
        List<Timeline.Window> windows = timeline.windows();
        if (!windows.isEmpty()) {
            b.append("\n## Where the bad outcomes fell\n\nA bad outcome is put down to a fault when its request was under"
                    + " way during the fault or within ").append(AFTERMATH_MILLIS / 1000).append(" s after it (the first"
                    + " fault that matches).\n\n| flow |");
            windows.forEach(w -> b.append(' ').append(w.fault()).append(" |"));
            b.append(" outside faults |\n|---|");
            windows.forEach(w -> b.append("---:|"));
            b.append("---:|\n");
            for (String flow : Traffic.FLOWS) {
                int[] counts = new int[windows.size() + 1];
                for (Recorder.Sample s : samples) {
                    if (!s.flow().equals(flow) || s.good()) {
                        continue;
                    }
                    int i = 0;
                    while (i < windows.size() && !during(windows.get(i), s)) {
                        i++;
                    }
                    counts[i]++;
                }
                b.append("| ").append(flow).append(" |");
                Arrays.stream(counts).forEach(n -> b.append(' ').append(n).append(" |"));
                b.append('\n');
            }
        }
        b.append("\n## Fault timeline\n\n| at | event |\n|---:|---|\n");
        timeline.events().forEach(e -> b.append(String.format(Locale.ROOT, "| %.1f s | %s |%n", e.atMillis() / 1000.0,
                e.text())));
        b.append("\n## Invariants\n\n| invariant | result | what was checked |\n|---|---|---|\n");
        invariants.forEach(c -> b.append("| ").append(c.name()).append(" | ").append(c.ok() ? "**pass**" : "**FAIL**")
                .append(" | ").append(c.details().replace("|", "\\|")).append(" |\n"));
        boolean ok = invariants.stream().allMatch(Invariants.Check::ok);
        long missed = flows.stream().filter(r -> !r.pass()).count();
        b.append("\n**").append(ok ? "Every invariant holds" : "An invariant FAILED").append("**; ")
                .append(flows.size() - missed).append(" of ").append(flows.size()).append(" flows met their targets.\n");
        return b.toString();
    }

    private static String reasons(List<Recorder.Sample> list) {
        Map<String, Integer> count = new LinkedHashMap<>();
        list.stream().filter(s -> !s.good()).forEach(s -> count.merge(s.note() == null ? "?" : s.note(), 1, Integer::sum));
        return count.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed()).limit(4)
                .map(e -> e.getKey().replace("|", "\\|") + " ×" + e.getValue()).collect(Collectors.joining("; "));
    }

    private static String ms(Long nanos) {
        return nanos == null ? "–" : ms((long) nanos);
    }

    private static String ms(long nanos) {
        double ms = nanos / 1e6;
        return ms >= 1000 ? String.format(Locale.ROOT, "%.2f s", ms / 1000) : String.format(Locale.ROOT, "%.0f ms", ms);
    }

    private static String fmtPct(double p) {
        return p == Math.rint(p) ? Long.toString((long) p) : Double.toString(p);
    }

    private static String fmtDuration(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }
}
