package dev.setlist.server.telemetry;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A strict reader of the Prometheus text exposition format 0.0.4: {@code # HELP} and
 * {@code # TYPE} lines, samples with escaped label values and optional timestamps. Every sample
 * must belong to a family declared by a TYPE line before it (with the {@code _bucket}, {@code _sum},
 * {@code _count}, {@code _total}… suffixes of its type), label names must be valid and unique, and
 * values must be floats or {@code ±Inf}/{@code NaN}; anything else fails with the line number.
 */
final class PrometheusText {
    private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern LABEL = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
    private static final Set<String> TYPES = Set.of("counter", "gauge", "histogram", "summary", "untyped");

    private PrometheusText() {}

    /** Samples by {@code name{label="value",…}} with labels sorted by name. */
    static Map<String, Double> parse(String text) {
        Map<String, String> types = new HashMap<>();
        Map<String, Double> samples = new LinkedHashMap<>();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            int n = i + 1;
            if (line.isEmpty()) {
                continue;
            }
            if (line.startsWith("#")) {
                String[] parts = line.split(" ", 4);
                if (parts.length >= 3 && parts[1].equals("TYPE")) {
                    check(NAME.matcher(parts[2]).matches(), n, "bad metric name " + parts[2]);
                    check(parts.length == 4 && TYPES.contains(parts[3]), n, "bad type in " + line);
                    check(types.put(parts[2], parts[3]) == null, n, "second TYPE for " + parts[2]);
                }
                continue;
            }
            int p = 0;
            Matcher m = NAME.matcher(line);
            check(m.lookingAt(), n, "no metric name in " + line);
            String name = m.group();
            p = m.end();
            TreeMap<String, String> labels = new TreeMap<>();
            if (p < line.length() && line.charAt(p) == '{') {
                p++;
                while (line.charAt(p) != '}') {
                    Matcher l = LABEL.matcher(line).region(p, line.length());
                    check(l.lookingAt(), n, "bad label name at column " + p);
                    String label = l.group();
                    p = l.end();
                    check(line.startsWith("=\"", p), n, "expected =\" at column " + p);
                    p += 2;
                    StringBuilder value = new StringBuilder();
                    while (line.charAt(p) != '"') {
                        char c = line.charAt(p++);
                        if (c == '\\') {
                            char e = line.charAt(p++);
                            check(e == '\\' || e == '"' || e == 'n', n, "bad escape \\" + e);
                            value.append(e == 'n' ? '\n' : e);
                        } else {
                            value.append(c);
                        }
                    }
                    p++;
                    check(labels.put(label, value.toString()) == null, n, "label " + label + " twice");
                    if (line.charAt(p) == ',') {
                        p++;
                    } else {
                        check(line.charAt(p) == '}', n, "expected , or } at column " + p);
                    }
                }
                p++;
            }
            check(p < line.length() && line.charAt(p) == ' ', n, "expected a space before the value");
            String[] rest = line.substring(p + 1).split(" ");
            check(rest.length == 1 || rest.length == 2, n, "expected a value and an optional timestamp");
            double v = value(rest[0], n);
            if (rest.length == 2) {
                Long.parseLong(rest[1]);
            }
            check(family(name, types) != null, n, "sample " + name + " of no declared family");
            StringBuilder key = new StringBuilder(name).append('{');
            labels.forEach((k, val) -> key.append(k).append("=\"").append(val).append("\","));
            if (!labels.isEmpty()) {
                key.setLength(key.length() - 1);
            }
            check(samples.put(key.append('}').toString(), v) == null, n, "duplicate sample " + key);
        }
        return samples;
    }

    private static String family(String name, Map<String, String> types) {
        if (types.containsKey(name)) {
            return name;
        }
        for (String suffix : new String[] {"_total", "_created", "_bucket", "_sum", "_count", "_max"}) {
            if (name.endsWith(suffix)) {
                String base = name.substring(0, name.length() - suffix.length());
                if (types.containsKey(base)) {
                    return base;
                }
            }
        }
        return null;
    }

    private static double value(String s, int line) {
        return switch (s) {
            case "+Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            case "NaN" -> Double.NaN;
            default -> {
                try {
                    yield Double.parseDouble(s);
                } catch (NumberFormatException e) {
                    throw new AssertionError("line " + line + ": bad value " + s);
                }
            }
        };
    }

    private static void check(boolean ok, int line, String message) {
        if (!ok) {
            throw new AssertionError("line " + line + ": " + message);
        }
    }

    /** The sum of the samples named {@code name} whose labels include all of {@code labels}. */
    static double sum(Map<String, Double> samples, String name, Map<String, String> labels) {
        double total = 0;
        for (var e : samples.entrySet()) {
            String key = e.getKey();
            if (!key.startsWith(name + "{")) {
                continue;
            }
            boolean all = labels.entrySet().stream().allMatch(l -> key.contains(l.getKey() + "=\"" + l.getValue() + "\""));
            if (all) {
                total += e.getValue();
            }
        }
        return total;
    }
}
