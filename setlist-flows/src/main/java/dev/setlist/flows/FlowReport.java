package dev.setlist.flows;

import dev.setlist.flows.internal.Durations;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The periodic review the flow guide asks for: for every flow, its targets beside what was
 * measured over a period (availability, error budget left, latency percentiles, alarms fired, top
 * errors), with its owner, stakeholders and escalation path, as Markdown or as a standalone HTML
 * page. Immutable; rendering does no I/O.
 */
public final class FlowReport {
    private final String workload;
    private final Instant from;
    private final Instant to;
    private final List<FlowReview> reviews;

    private FlowReport(String workload, Instant from, Instant to, List<FlowReview> reviews) {
        this.workload = workload;
        this.from = from;
        this.to = to;
        this.reviews = List.copyOf(reviews);
    }

    public static FlowReport of(String workload, Instant from, Instant to, List<FlowReview> reviews) {
        return new FlowReport(workload, from, to, reviews);
    }

    /** The review of every flow the monitor holds, over {@code [from, to)}. */
    public static FlowReport of(FlowMonitor monitor, Instant from, Instant to) {
        return new FlowReport(monitor.catalog().workload(), from, to, monitor.review(from, to));
    }

    public String markdown() {
        Markdown out = new Markdown();
        render(out);
        return out.text.toString();
    }

    public String html() {
        Html out = new Html();
        out.text.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>")
                .append(Html.escape(title())).append("</title>\n<style>\n")
                .append("body{font-family:system-ui,sans-serif;max-width:72rem;margin:2rem auto;padding:0 1rem;color:#222}\n")
                .append("table{border-collapse:collapse;margin:.5rem 0 1rem}\n")
                .append("th,td{border:1px solid #ccc;padding:.3rem .6rem;text-align:left;vertical-align:top}\n")
                .append("th{background:#f4f4f4}.meets{color:#176b1f}.misses{color:#a4161a;font-weight:bold}\n")
                .append("</style>\n</head>\n<body>\n");
        render(out);
        out.text.append("</body>\n</html>\n");
        return out.text.toString();
    }

    private String title() {
        return "Flow review: " + workload;
    }

    // ---- content, once for both formats -----------------------------------------------------

    private void render(Out out) {
        out.heading(1, title());
        out.paragraph("Period: " + from + " to " + to + ". Only the minutes inside each flow's hours and outside its "
                + "maintenance windows count toward its targets.");
        out.heading(2, "Summary");
        List<List<String>> rows = new ArrayList<>();
        for (FlowReview r : reviews) {
            Flow f = r.flow();
            Targets.Reliability rel = f.targets().reliability();
            rows.add(List.of(f.name() + " (" + f.id() + ")", f.kind().yaml(), f.criticality().yaml(),
                    percent(rel.availability()) + " (" + rel.hours() + ")", measuredAvailability(r.slo()),
                    budget(r.slo()), tailTarget(f), tailMeasured(r), Integer.toString(fired(r)), status(r)));
        }
        out.table(List.of("Flow", "Kind", "Criticality", "Availability target", "Measured", "Error budget left",
                "Latency target", "Measured", "Alarms fired", "Status"), rows);
        for (FlowReview r : reviews) {
            flow(out, r);
        }
    }

    private void flow(Out out, FlowReview r) {
        Flow f = r.flow();
        SloStatus slo = r.slo();
        Targets t = f.targets();
        Targets.Reliability rel = t.reliability();
        out.heading(2, f.name());
        out.paragraph(f.kind().yaml() + " flow " + f.id() + ", criticality " + f.criticality().yaml() + ". "
                + f.description());
        List<List<String>> about = new ArrayList<>();
        if (f.businessProcess() != null) {
            about.add(List.of("Business process", f.businessProcess()));
        }
        about.add(List.of("Process owner", f.owner()));
        about.add(List.of("Stakeholders", String.join(", ", f.stakeholders())));
        about.add(List.of("Escalation path", f.escalation().stream()
                .map(c -> c.name() + " (" + c.channel().yaml() + ", " + Durations.format(c.ackTimeout()) + ")")
                .collect(Collectors.joining(" → "))));
        about.add(List.of("Business impact", f.businessImpact()));
        out.table(List.of("About the flow", ""), about);

        List<List<String>> targets = new ArrayList<>();
        String maintenance = switch (rel.maintenance().policy()) {
            case OUTSIDE_HOURS -> "; maintenance outside these hours";
            case ANNOUNCED -> "; maintenance announced " + Durations.format(rel.maintenance().notice()) + " ahead ("
                    + rel.maintenance().windows().size() + " window" + (rel.maintenance().windows().size() == 1 ? "" : "s")
                    + ")";
            case NONE -> "";
        };
        targets.add(List.of("Availability", percent(rel.availability()) + " during " + rel.hours() + ", over "
                        + Durations.format(rel.window()) + maintenance,
                slo.availability() == null ? "no outcomes" : measuredAvailability(slo) + " of " + count(slo.total())
                        + " outcomes (" + count(slo.bad()) + " bad)",
                verdict(slo.availability() == null ? null : slo.availability() >= slo.objective())));
        String allowed = BigDecimal.valueOf(100).subtract(BigDecimal.valueOf(rel.availability())).stripTrailingZeros()
                .toPlainString() + "%";
        targets.add(List.of("Error budget", allowed + " of outcomes may fail", budget(slo),
                verdict(slo.total() == 0 ? null : slo.budgetRemaining() >= 0)));
        if (t.performance() != null) {
            for (Map.Entry<Double, Duration> e : t.performance().latency().entrySet()) {
                Double measured = r.latencyMillis().get(e.getKey());
                targets.add(List.of("Latency p" + number(e.getKey()), "at most " + Durations.format(e.getValue()),
                        measured == null ? "not measured" : millis(measured),
                        verdict(measured == null ? null : measured <= e.getValue().toNanos() / 1e6)));
            }
            if (slo.latencySli() != null) {
                targets.add(List.of("Latency SLI", number(slo.latencyPercentile()) + "% within "
                        + Durations.format(slo.latencyThreshold()), percentOf(slo.latencySli()),
                        verdict(slo.latencySli() * 100 >= slo.latencyPercentile())));
            }
            if (t.performance().throughput() != null) {
                targets.add(List.of("Throughput", "sustain " + t.performance().throughput(),
                        slo.total() == 0 ? "no outcomes" : count(slo.total()) + " outcomes in the counted minutes", ""));
            }
        }
        if (t.security() != null) {
            targets.add(List.of("Security", (t.security().roles().isEmpty() ? "" : "roles " + String.join(", ",
                    t.security().roles()) + "; ") + "data "
                    + (t.security().dataClassification() == null ? "unclassified"
                    : t.security().dataClassification().yaml()), "", ""));
        }
        if (t.cost() != null) {
            List<String> parts = new ArrayList<>();
            if (t.cost().perThousandRuns() != null) {
                parts.add(money(t.cost().perThousandRuns(), t.cost().currency()) + " per 1000 runs");
            }
            if (t.cost().perMonth() != null) {
                parts.add(money(t.cost().perMonth(), t.cost().currency()) + " per month");
            }
            targets.add(List.of("Cost", String.join(", ", parts), "", ""));
        }
        if (!t.operations().alarms().isEmpty()) {
            targets.add(List.of("Operations", "alarms " + String.join(", ", t.operations().alarms()), "", ""));
        }
        out.table(List.of("Target", "Objective", "Measured", ""), targets);

        List<List<String>> alarms = new ArrayList<>();
        r.alarmsFired().forEach((name, n) -> alarms.add(List.of(name, Integer.toString(n))));
        if (!alarms.isEmpty()) {
            out.table(List.of("Alarm", "Times fired"), alarms);
        }
        if (r.topErrors().isEmpty()) {
            out.paragraph("No errors recorded.");
        } else {
            out.table(List.of("Top error", "Count"), r.topErrors().stream()
                    .map(e -> List.of(e.error(), count(e.count()))).toList());
        }
    }

    private static int fired(FlowReview r) {
        return r.alarmsFired().values().stream().mapToInt(Integer::intValue).sum();
    }

    /** meets when every measured target is met, misses when one is not, no data without outcomes. */
    private static String status(FlowReview r) {
        SloStatus s = r.slo();
        if (s.total() == 0) {
            return "no data";
        }
        boolean meets = s.availability() >= s.objective();
        if (r.flow().targets().performance() != null) {
            for (Map.Entry<Double, Duration> e : r.flow().targets().performance().latency().entrySet()) {
                Double measured = r.latencyMillis().get(e.getKey());
                if (measured != null && measured > e.getValue().toNanos() / 1e6) {
                    meets = false;
                }
            }
        }
        return meets ? "meets" : "misses";
    }

    private static String verdict(Boolean met) {
        return met == null ? "" : met ? "meets" : "misses";
    }

    private static String tailTarget(Flow f) {
        if (f.targets().performance() == null || f.targets().performance().tail() == null) {
            return "—";
        }
        Map.Entry<Double, Duration> tail = f.targets().performance().tail();
        return "p" + number(tail.getKey()) + " ≤ " + Durations.format(tail.getValue());
    }

    private static String tailMeasured(FlowReview r) {
        Flow f = r.flow();
        if (f.targets().performance() == null || f.targets().performance().tail() == null) {
            return "—";
        }
        Double measured = r.latencyMillis().get(f.targets().performance().tail().getKey());
        return measured == null ? "—" : millis(measured);
    }

    private static String measuredAvailability(SloStatus s) {
        return s.availability() == null ? "—" : percentOf(s.availability());
    }

    private static String budget(SloStatus s) {
        return s.total() == 0 ? "—" : percentOf(s.budgetRemaining());
    }

    private static String percent(double p) {
        return number(p) + "%";
    }

    private static String percentOf(double fraction) {
        return String.format(Locale.ROOT, "%.2f%%", fraction * 100);
    }

    private static String number(double d) {
        return BigDecimal.valueOf(d).stripTrailingZeros().toPlainString();
    }

    private static String count(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    private static String millis(double ms) {
        return ms >= 1000 ? String.format(Locale.ROOT, "%.2fs", ms / 1000) : String.format(Locale.ROOT, "%.0fms", ms);
    }

    private static String money(BigDecimal amount, String currency) {
        return amount.setScale(2, java.math.RoundingMode.HALF_UP).toPlainString() + " " + currency;
    }

    // ---- formats ------------------------------------------------------------------------------

    private interface Out {
        void heading(int level, String text);

        void paragraph(String text);

        void table(List<String> headers, List<List<String>> rows);
    }

    private static final class Markdown implements Out {
        final StringBuilder text = new StringBuilder();

        @Override
        public void heading(int level, String t) {
            text.append("#".repeat(level)).append(' ').append(t).append("\n\n");
        }

        @Override
        public void paragraph(String t) {
            text.append(t).append("\n\n");
        }

        @Override
        public void table(List<String> headers, List<List<String>> rows) {
            text.append('|');
            headers.forEach(h -> text.append(' ').append(cell(h)).append(" |"));
            text.append("\n|");
            headers.forEach(h -> text.append("---|"));
            text.append('\n');
            for (List<String> row : rows) {
                text.append('|');
                row.forEach(c -> text.append(' ').append(cell(c)).append(" |"));
                text.append('\n');
            }
            text.append('\n');
        }

        private static String cell(String s) {
            return s.replace("|", "\\|").replace("\n", " ");
        }
    }

    private static final class Html implements Out {
        final StringBuilder text = new StringBuilder();

        @Override
        public void heading(int level, String t) {
            text.append("<h").append(level).append('>').append(escape(t)).append("</h").append(level).append(">\n");
        }

        @Override
        public void paragraph(String t) {
            text.append("<p>").append(escape(t)).append("</p>\n");
        }

        @Override
        public void table(List<String> headers, List<List<String>> rows) {
            text.append("<table>\n<tr>");
            headers.forEach(h -> text.append("<th>").append(escape(h)).append("</th>"));
            text.append("</tr>\n");
            for (List<String> row : rows) {
                text.append("<tr>");
                for (String c : row) {
                    boolean verdict = c.equals("meets") || c.equals("misses");
                    text.append(verdict ? "<td class=\"" + c + "\">" : "<td>").append(escape(c)).append("</td>");
                }
                text.append("</tr>\n");
            }
            text.append("</table>\n");
        }

        static String escape(String s) {
            StringBuilder out = new StringBuilder(s.length());
            for (char c : s.toCharArray()) {
                switch (c) {
                    case '<' -> out.append("&lt;");
                    case '>' -> out.append("&gt;");
                    case '&' -> out.append("&amp;");
                    case '"' -> out.append("&quot;");
                    default -> out.append(c);
                }
            }
            return out.toString();
        }
    }
}
