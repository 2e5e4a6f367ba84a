package dev.setlist.flows.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.setlist.flows.AlarmSpec;
import dev.setlist.flows.AlarmSpec.Comparison;
import dev.setlist.flows.AlarmSpec.Metric;
import dev.setlist.flows.AlarmSpec.MissingData;
import dev.setlist.flows.AlarmSpec.Statistic;
import dev.setlist.flows.Bindings;
import dev.setlist.flows.Catalog;
import dev.setlist.flows.Flow;
import dev.setlist.flows.GuardSpec;
import dev.setlist.flows.Hours;
import dev.setlist.flows.Problem;
import dev.setlist.flows.Targets;
import dev.setlist.flows.Targets.DataClassification;
import dev.setlist.flows.Targets.MaintenancePolicy;
import java.math.BigDecimal;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.DateTimeException;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Currency;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a {@code flows.yaml} into a {@link Catalog}, collecting every problem with its JSON
 * pointer and line/column instead of stopping at the first. Checks in two passes: each value on
 * its own (types, formats, ranges, unknown fields), then the references between them (flow ids,
 * hours, alarm names, composite rules, bindings). One instance reads one document.
 */
public final class CatalogReader {
    /** What a read gives: the catalog when there are no problems, otherwise {@code null} and the problems. */
    public record Result(Catalog catalog, List<Problem> problems) {}

    public static final List<String> BURN_RATE_ALERTS = List.of("burn-rate-1h", "burn-rate-6h", "burn-rate-3d");

    private static final List<String> TOP = List.of("workload", "hours", "flows");
    private static final List<String> HOURS = List.of("days", "from", "to", "zone");
    private static final List<String> FLOW = List.of("id", "name", "kind", "description", "businessProcess", "useCase",
            "owner", "stakeholders", "escalation", "businessImpact", "criticality", "targets", "bindings", "alarms", "guard");
    private static final List<String> USE_CASE = List.of("purpose", "criticality", "consumers", "startEvent",
            "endEvent", "frequency", "variability", "dependencies");
    private static final List<String> CONTACT = List.of("name", "channel", "address", "ackTimeout");
    private static final List<String> TARGETS = List.of("reliability", "performance", "security", "cost",
            "operations");
    private static final List<String> RELIABILITY = List.of("availability", "hours", "window", "maintenance",
            "expectedErrors");
    /** An error name as the ASL writes them: {@code Payment.Declined}, {@code SoldOut}. */
    private static final java.util.regex.Pattern ERROR_NAME = java.util.regex.Pattern.compile("[A-Za-z0-9_.:-]{1,128}");
    private static final List<String> MAINTENANCE = List.of("policy", "notice", "windows");
    private static final List<String> WINDOW = List.of("start", "end", "announced");
    private static final List<String> PERFORMANCE = List.of("latency", "throughput");
    private static final List<String> SECURITY = List.of("roles", "dataClassification", "sensitivePaths");
    private static final List<String> COST = List.of("perThousandRuns", "perMonth", "currency");
    private static final List<String> OPERATIONS = List.of("alarms", "page");
    private static final List<String> BINDINGS = List.of("routes", "stateMachines", "eventRules");
    private static final List<String> METRIC_ALARM = List.of("name", "description", "metric", "statistic", "period",
            "evaluationPeriods", "datapointsToAlarm", "threshold", "comparison", "treatMissingData");
    private static final List<String> GUARD = List.of("cache", "rate", "burst", "callerRate", "callerBurst", "quota",
            "degradedMode", "outbound");
    private static final List<String> GUARD_CACHE = List.of("ttl", "keys", "maxBytes", "staleFor", "invalidatedBy",
            "refreshRoles", "refreshDenied");
    private static final List<String> GUARD_QUOTA = List.of("limit", "period");
    private static final List<String> GUARD_OUTBOUND = List.of("timeout", "maxAttempts");
    private static final Pattern CACHE_KEY = Pattern.compile("path|query|role|header:[A-Za-z0-9-]{1,64}");
    private static final Duration MAX_CACHE_TTL = Duration.ofHours(1);
    private static final List<String> COMPOSITE_ALARM = List.of("name", "description", "rule");

    private static final Pattern FLOW_ID = Pattern.compile("[a-z0-9][a-z0-9-]{0,63}");
    private static final Pattern HOURS_NAME = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    private static final Pattern ALARM_NAME = Pattern.compile("[A-Za-z0-9._-]{1,255}");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._/-]{1,256}");
    private static final Pattern TIME = Pattern.compile("([01]\\d|2[0-3]):[0-5]\\d|24:00");
    private static final Pattern DAY_RANGE = Pattern.compile("([A-Z]{3})(?:-([A-Z]{3}))?");
    private static final Pattern RATE = Pattern.compile("(\\d+(?:\\.\\d+)?)/(s|m|h|d)");
    private static final Pattern PERCENTILE = Pattern.compile("p(\\d{1,2}(?:\\.\\d+)?)");
    private static final Pattern ROUTE = Pattern.compile("(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) (/\\S*)");
    private static final Pattern CURRENCY = Pattern.compile("[A-Z]{3}");
    private static final Duration DEFAULT_ACK = Duration.ofMinutes(15);
    private static final Duration DEFAULT_WINDOW = Duration.ofDays(30);

    private final LocatedYaml yaml;
    private final Bindings bindings;
    private final List<Problem> problems = new ArrayList<>();

    private CatalogReader(LocatedYaml yaml, Bindings bindings) {
        this.yaml = yaml;
        this.bindings = bindings;
    }

    public static Result read(String text, Bindings bindings) {
        LocatedYaml yaml = LocatedYaml.read(text);
        CatalogReader r = new CatalogReader(yaml, bindings == null ? Bindings.ANY : bindings);
        r.problems.addAll(yaml.problems());
        Catalog catalog = yaml.root() == null ? null : r.catalog(yaml.root());
        List<Problem> sorted = new ArrayList<>(r.problems);
        sorted.sort(Comparator.comparingInt(Problem::line).thenComparingInt(Problem::column));
        return sorted.isEmpty() ? new Result(catalog, List.of()) : new Result(null, List.copyOf(sorted));
    }

    // ---- problems and primitive readers ------------------------------------------------------

    private void problem(String pointer, String message) {
        int[] at = yaml.valueAt(pointer);
        problems.add(new Problem(pointer, at[0], at[1], message));
    }

    private void keyProblem(String pointer, String message) {
        int[] at = yaml.keyAt(pointer);
        problems.add(new Problem(pointer, at[0], at[1], message));
    }

    private static String typeOf(JsonNode n) {
        if (n == null || n.isNull()) {
            return "null";
        }
        if (n.isObject()) {
            return "an object";
        }
        if (n.isArray()) {
            return "a list";
        }
        if (n.isNumber()) {
            return "a number";
        }
        if (n.isBoolean()) {
            return "a boolean";
        }
        return "a string";
    }

    private static String quote(String s) {
        return "\"" + s + "\"";
    }

    private static String shown(JsonNode n) {
        if (n.isTextual()) {
            return quote(n.asText());
        }
        if (n.isNumber()) {
            return number(n.decimalValue());
        }
        return typeOf(n);
    }

    static String number(BigDecimal d) {
        return d.stripTrailingZeros().toPlainString();
    }

    static String number(double d) {
        return number(BigDecimal.valueOf(d));
    }

    /** The object at {@code pointer}, with its unknown fields reported; null (reported) when not an object. */
    private JsonNode object(JsonNode n, String pointer, List<String> allowed) {
        if (n == null || !n.isObject()) {
            problem(pointer, "must be an object, was " + typeOf(n));
            return null;
        }
        Iterator<String> names = n.fieldNames();
        while (names.hasNext()) {
            String name = names.next();
            if (!allowed.contains(name)) {
                keyProblem(pointer + "/" + LocatedYaml.token(name), unknownField(name, allowed));
            }
        }
        return n;
    }

    static String unknownField(String name, List<String> allowed) {
        for (String a : allowed) {
            if (a.equalsIgnoreCase(name) || distance(a.toLowerCase(Locale.ROOT), name.toLowerCase(Locale.ROOT)) <= 2) {
                return "unknown field " + quote(name) + "; did you mean " + quote(a) + "?";
            }
        }
        return "unknown field " + quote(name) + "; expected one of: " + String.join(", ", allowed);
    }

    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    /** The field's node, or null; a missing required field is reported at the object. */
    private JsonNode field(JsonNode obj, String pointer, String name, boolean required) {
        JsonNode v = obj.get(name);
        if (v == null && required) {
            problem(pointer, "missing required field " + quote(name));
        }
        return v;
    }

    private String text(JsonNode obj, String pointer, String name, boolean required) {
        JsonNode v = field(obj, pointer, name, required);
        if (v == null) {
            return null;
        }
        String at = pointer + "/" + name;
        if (!v.isTextual()) {
            problem(at, "must be a string, was " + typeOf(v));
            return null;
        }
        if (v.asText().isBlank()) {
            problem(at, "must not be empty");
            return null;
        }
        return v.asText();
    }

    /** A list of non-empty strings; null when absent (or wrong, reported). */
    private List<String> texts(JsonNode obj, String pointer, String name, boolean required) {
        JsonNode v = field(obj, pointer, name, required);
        if (v == null) {
            return null;
        }
        String at = pointer + "/" + name;
        if (!v.isArray()) {
            problem(at, "must be a list of strings, was " + typeOf(v));
            return null;
        }
        if (required && v.isEmpty()) {
            problem(at, "must not be empty");
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < v.size(); i++) {
            JsonNode e = v.get(i);
            if (!e.isTextual() || e.asText().isBlank()) {
                problem(at + "/" + i, e.isTextual() ? "must not be empty" : "must be a string, was " + typeOf(e));
            } else {
                out.add(e.asText());
            }
        }
        return out;
    }

    private BigDecimal decimal(JsonNode obj, String pointer, String name, boolean required) {
        JsonNode v = field(obj, pointer, name, required);
        if (v == null) {
            return null;
        }
        if (!v.isNumber()) {
            problem(pointer + "/" + name, "must be a number, was " + typeOf(v));
            return null;
        }
        return v.decimalValue();
    }

    private <E extends Enum<E>> E choice(JsonNode obj, String pointer, String name, boolean required,
                                         E[] values, Function<E, String> spelling) {
        JsonNode v = field(obj, pointer, name, required);
        if (v == null) {
            return null;
        }
        List<String> names = new ArrayList<>();
        for (E e : values) {
            names.add(spelling.apply(e));
        }
        if (v.isTextual()) {
            for (E e : values) {
                if (spelling.apply(e).equals(v.asText())) {
                    return e;
                }
            }
        }
        problem(pointer + "/" + name, "must be one of " + String.join(", ", names) + ", was " + shown(v));
        return null;
    }

    private Duration duration(JsonNode obj, String pointer, String name, boolean required) {
        JsonNode v = field(obj, pointer, name, required);
        if (v == null) {
            return null;
        }
        Duration d = v.isTextual() ? Durations.parse(v.asText()) : null;
        if (d == null) {
            problem(pointer + "/" + name, "must be a duration such as 200ms, 15m, 48h or 30d, was " + shown(v));
        }
        return d;
    }

    private Instant instant(JsonNode obj, String pointer, String name, boolean required) {
        JsonNode v = field(obj, pointer, name, required);
        if (v == null) {
            return null;
        }
        if (v.isTextual()) {
            try {
                return OffsetDateTime.parse(v.asText()).toInstant();
            } catch (DateTimeParseException e) {
                // reported below
            }
        }
        problem(pointer + "/" + name,
                "must be a date and time with an offset such as 2024-03-02T22:00:00Z or 2024-03-02T17:00:00-05:00, was "
                        + shown(v));
        return null;
    }

    // ---- the document ---------------------------------------------------------------------

    private record FlowAt(Flow flow, String pointer, JsonNode node) {}

    private Catalog catalog(JsonNode root) {
        if (object(root, "", TOP) == null) {
            return null;
        }
        String workload = text(root, "", "workload", true);
        Map<String, Hours> hours = new LinkedHashMap<>();
        hours.put(Hours.ALWAYS_NAME, Hours.ALWAYS);
        JsonNode hoursNode = field(root, "", "hours", false);
        if (hoursNode != null && !hoursNode.isObject()) {
            problem("/hours", "must be an object of named hours, was " + typeOf(hoursNode));
        } else if (hoursNode != null) {
            hoursNode.fieldNames().forEachRemaining(name -> {
                String at = "/hours/" + LocatedYaml.token(name);
                if (name.equals(Hours.ALWAYS_NAME)) {
                    keyProblem(at, "24x7 is built in and cannot be redefined");
                } else if (!HOURS_NAME.matcher(name).matches()) {
                    keyProblem(at, "hours names are letters, digits, '_' and '-', was " + quote(name));
                } else {
                    Hours h = hours(name, hoursNode.get(name), at);
                    if (h != null) {
                        hours.put(name, h);
                    }
                }
            });
        }
        JsonNode flowsNode = field(root, "", "flows", true);
        List<FlowAt> flows = new ArrayList<>();
        if (flowsNode != null) {
            if (!flowsNode.isArray()) {
                problem("/flows", "must be a list of flows, was " + typeOf(flowsNode));
            } else if (flowsNode.isEmpty()) {
                problem("/flows", "must list at least one flow");
            } else {
                for (int i = 0; i < flowsNode.size(); i++) {
                    String at = "/flows/" + i;
                    Flow f = flow(flowsNode.get(i), at, hours);
                    flows.add(new FlowAt(f, at, flowsNode.get(i)));
                }
            }
        }
        Set<String> declared = new LinkedHashSet<>();
        if (hoursNode != null && hoursNode.isObject()) {
            hoursNode.fieldNames().forEachRemaining(declared::add);
        }
        crossCheck(flows, hours, declared);
        if (!problems.isEmpty()) {
            return null;
        }
        return new Catalog(workload, hours, flows.stream().map(FlowAt::flow).toList());
    }

    private Hours hours(String name, JsonNode n, String at) {
        if (object(n, at, HOURS) == null) {
            return null;
        }
        Set<DayOfWeek> days = null;
        JsonNode d = field(n, at, "days", true);
        if (d != null) {
            days = d.isTextual() ? days(d.asText()) : null;
            if (days == null) {
                problem(at + "/days", "must be days such as MON-FRI or MON,WED,FRI, was " + shown(d));
            }
        }
        LocalTime from = time(n, at, "from", false);
        LocalTime to = time(n, at, "to", true);
        ZoneId zone = null;
        String z = text(n, at, "zone", true);
        if (z != null) {
            try {
                zone = ZoneId.of(z);
            } catch (DateTimeException e) {
                problem(at + "/zone", "must be a time zone such as America/New_York or UTC, was " + quote(z));
            }
        }
        if (from != null && to != null && from.equals(to)) {
            problem(at + "/to", "must differ from \"from\" (" + from + ")");
            return null;
        }
        if (days == null || from == null || to == null || zone == null) {
            return null;
        }
        return new Hours(name, days, from, to == LocalTime.MAX ? null : to, zone);
    }

    /** A time HH:MM; "24:00" is allowed for {@code to} only and comes back as {@link LocalTime#MAX}. */
    private LocalTime time(JsonNode obj, String at, String name, boolean endOfDayAllowed) {
        JsonNode v = field(obj, at, name, true);
        if (v == null) {
            return null;
        }
        if (v.isTextual() && TIME.matcher(v.asText()).matches()) {
            if (v.asText().equals("24:00")) {
                if (endOfDayAllowed) {
                    return LocalTime.MAX;
                }
            } else {
                return LocalTime.parse(v.asText());
            }
        }
        problem(at + "/" + name, "must be a time such as \"09:00\"" + (endOfDayAllowed ? " or \"24:00\"" : "")
                + " (quoted), was " + shown(v));
        return null;
    }

    static Set<DayOfWeek> days(String text) {
        Map<String, DayOfWeek> byName = new HashMap<>();
        for (DayOfWeek day : DayOfWeek.values()) {
            byName.put(day.name().substring(0, 3), day);
        }
        Set<DayOfWeek> out = EnumSet.noneOf(DayOfWeek.class);
        for (String part : text.split(",", -1)) {
            Matcher m = DAY_RANGE.matcher(part.strip());
            if (!m.matches() || !byName.containsKey(m.group(1))
                    || m.group(2) != null && !byName.containsKey(m.group(2))) {
                return null;
            }
            DayOfWeek first = byName.get(m.group(1));
            DayOfWeek last = m.group(2) == null ? first : byName.get(m.group(2));
            for (DayOfWeek day = first; ; day = day.plus(1)) {
                out.add(day);
                if (day == last) {
                    break;
                }
            }
        }
        return out;
    }

    private Flow flow(JsonNode n, String at, Map<String, Hours> hours) {
        if (object(n, at, FLOW) == null) {
            return null;
        }
        String id = text(n, at, "id", true);
        if (id != null && !FLOW_ID.matcher(id).matches()) {
            problem(at + "/id", "must be lowercase letters, digits and '-', at most 64, starting with a letter or digit, was "
                    + quote(id));
        }
        String name = text(n, at, "name", true);
        Flow.Kind kind = choice(n, at, "kind", true, Flow.Kind.values(), Flow.Kind::yaml);
        String description = text(n, at, "description", true);
        String businessProcess = text(n, at, "businessProcess", false);
        Flow.UseCase useCase = null;
        JsonNode uc = field(n, at, "useCase", false);
        if (uc != null) {
            useCase = useCase(uc, at + "/useCase");
        }
        String owner = text(n, at, "owner", true);
        List<String> stakeholders = texts(n, at, "stakeholders", true);
        List<Flow.Contact> escalation = escalation(n, at);
        String impact = text(n, at, "businessImpact", true);
        Flow.Criticality criticality = choice(n, at, "criticality", true, Flow.Criticality.values(),
                Flow.Criticality::yaml);
        Targets targets = null;
        JsonNode t = field(n, at, "targets", true);
        if (t != null) {
            targets = targets(t, at + "/targets", hours);
        }
        Flow.BindingSet bound = Flow.BindingSet.NONE;
        JsonNode b = field(n, at, "bindings", false);
        if (b != null) {
            bound = bindingSet(b, at + "/bindings");
        }
        List<AlarmSpec> alarms = alarms(n, at);
        GuardSpec guard = GuardSpec.NONE;
        JsonNode g = field(n, at, "guard", false);
        if (g != null) {
            guard = guard(g, at + "/guard");
        }
        if (guard == null || id == null || name == null || kind == null || description == null || owner == null || stakeholders == null
                || escalation == null || impact == null || criticality == null || targets == null || bound == null
                || alarms == null) {
            return null;
        }
        return new Flow(id, name, kind, description, businessProcess, useCase, owner, stakeholders, escalation, impact,
                criticality, targets, bound, alarms, guard);
    }

    // ---- guard -----------------------------------------------------------------------------

    private GuardSpec guard(JsonNode n, String at) {
        if (object(n, at, GUARD) == null) {
            return null;
        }
        int before = problems.size();
        GuardSpec.Cache cache = null;
        JsonNode c = field(n, at, "cache", false);
        if (c != null) {
            cache = guardCache(c, at + "/cache");
        }
        Double rate = rate(n, at, "rate");
        Integer burst = burst(n, at, "burst");
        Double callerRate = rate(n, at, "callerRate");
        Integer callerBurst = burst(n, at, "callerBurst");
        GuardSpec.Quota quota = null;
        JsonNode q = field(n, at, "quota", false);
        if (q != null && object(q, at + "/quota", GUARD_QUOTA) != null) {
            BigDecimal limit = decimal(q, at + "/quota", "limit", true);
            if (limit != null && (limit.signum() < 0 || limit.stripTrailingZeros().scale() > 0
                    || limit.compareTo(BigDecimal.valueOf(1_000_000_000_000L)) > 0)) {
                problem(at + "/quota/limit", "must be a whole number from 0 to 1000000000000, was " + number(limit));
                limit = null;
            }
            GuardSpec.Period period = choice(q, at + "/quota", "period", true, GuardSpec.Period.values(),
                    GuardSpec.Period::yaml);
            if (limit != null && period != null) {
                quota = new GuardSpec.Quota(limit.longValue(), period);
            }
        }
        String degraded = text(n, at, "degradedMode", false);
        GuardSpec.Outbound outbound = null;
        JsonNode o = field(n, at, "outbound", false);
        if (o != null && object(o, at + "/outbound", GUARD_OUTBOUND) != null) {
            Duration timeout = duration(o, at + "/outbound", "timeout", false);
            if (timeout != null && (timeout.isZero() || timeout.compareTo(Duration.ofMinutes(5)) > 0)) {
                problem(at + "/outbound/timeout", "must be more than 0 and at most 5m, was " + quote(o.get("timeout").asText()));
            }
            Integer attempts = count(o, at + "/outbound", "maxAttempts", false);
            if (attempts != null && attempts > 10) {
                problem(at + "/outbound/maxAttempts", "must be at most 10, was " + attempts);
            }
            outbound = new GuardSpec.Outbound(timeout, attempts);
        }
        if (problems.size() > before) {
            return null;
        }
        return new GuardSpec(cache, rate, burst, callerRate, callerBurst, quota, degraded, outbound);
    }

    private GuardSpec.Cache guardCache(JsonNode n, String at) {
        if (object(n, at, GUARD_CACHE) == null) {
            return null;
        }
        Duration ttl = duration(n, at, "ttl", false);
        if (ttl != null && (ttl.compareTo(Duration.ofSeconds(1)) < 0 || ttl.compareTo(MAX_CACHE_TTL) > 0)) {
            problem(at + "/ttl", "must be from 1s to 3600s, was " + quote(n.get("ttl").asText()));
        }
        List<String> keys = texts(n, at, "keys", false);
        if (keys != null) {
            for (int i = 0; i < keys.size(); i++) {
                if (!CACHE_KEY.matcher(keys.get(i)).matches()) {
                    problem(at + "/keys/" + i, "must be path, query, role or header:<Name>, was " + quote(keys.get(i)));
                }
            }
        }
        Integer maxBytes = count(n, at, "maxBytes", false);
        Duration staleFor = duration(n, at, "staleFor", false);
        if (staleFor != null && staleFor.compareTo(Duration.ofDays(7)) > 0) {
            problem(at + "/staleFor", "must be at most 7d, was " + quote(n.get("staleFor").asText()));
        }
        List<String> rules = texts(n, at, "invalidatedBy", false);
        if (rules != null) {
            names(rules, at + "/invalidatedBy", "rule");
        }
        List<String> roles = texts(n, at, "refreshRoles", false);
        GuardSpec.RefreshDenied denied = choice(n, at, "refreshDenied", false, GuardSpec.RefreshDenied.values(),
                GuardSpec.RefreshDenied::yaml);
        return new GuardSpec.Cache(ttl, keys, maxBytes, staleFor, rules, roles, denied);
    }

    /** A bucket's capacity: a whole number from 1 to 1000000000; null when absent or wrong. */
    private Integer burst(JsonNode n, String at, String name) {
        JsonNode v = field(n, at, name, false);
        if (v == null) {
            return null;
        }
        if (!v.isNumber() || !v.canConvertToExactIntegral() || v.decimalValue().compareTo(BigDecimal.ONE) < 0
                || v.decimalValue().compareTo(BigDecimal.valueOf(1_000_000_000)) > 0) {
            problem(at + "/" + name, "must be a whole number from 1 to 1000000000, was " + shown(v));
            return null;
        }
        return v.intValue();
    }

    /** A rate such as {@code 50/s} or {@code 1200/m}, in requests per second; null when absent or wrong. */
    private Double rate(JsonNode n, String at, String name) {
        JsonNode v = field(n, at, name, false);
        if (v == null) {
            return null;
        }
        Matcher m = v.isTextual() ? RATE.matcher(v.asText()) : null;
        if (m == null || !m.matches() || Double.parseDouble(m.group(1)) <= 0) {
            problem(at + "/" + name, "must be a rate greater than 0 such as 50/s, 600/m or 10000/h, was " + shown(v));
            return null;
        }
        double per = switch (m.group(2)) {
            case "s" -> 1;
            case "m" -> 60;
            case "h" -> 3600;
            default -> 86_400;
        };
        return Double.parseDouble(m.group(1)) / per;
    }

    private Flow.UseCase useCase(JsonNode n, String at) {
        if (object(n, at, USE_CASE) == null) {
            return null;
        }
        String purpose = text(n, at, "purpose", false);
        JsonNode c = field(n, at, "criticality", false);
        String criticality = null;
        if (c != null) {
            if (c.isTextual() && List.of("routine", "important", "critical").contains(c.asText())) {
                criticality = c.asText();
            } else {
                problem(at + "/criticality", "must be one of routine, important, critical, was " + shown(c));
            }
        }
        List<String> consumers = texts(n, at, "consumers", false);
        String start = text(n, at, "startEvent", false);
        String end = text(n, at, "endEvent", false);
        String frequency = text(n, at, "frequency", false);
        String variability = text(n, at, "variability", false);
        List<String> dependencies = texts(n, at, "dependencies", false);
        return new Flow.UseCase(purpose, criticality, consumers == null ? List.of() : consumers, start, end, frequency,
                variability, dependencies == null ? List.of() : dependencies);
    }

    private List<Flow.Contact> escalation(JsonNode n, String at) {
        JsonNode e = field(n, at, "escalation", true);
        if (e == null) {
            return null;
        }
        String path = at + "/escalation";
        if (!e.isArray()) {
            problem(path, "must be a list of contacts, was " + typeOf(e));
            return null;
        }
        if (e.isEmpty()) {
            problem(path, "must list at least one contact");
            return null;
        }
        List<Flow.Contact> out = new ArrayList<>();
        boolean ok = true;
        for (int i = 0; i < e.size(); i++) {
            Flow.Contact c = contact(e.get(i), path + "/" + i);
            ok &= c != null;
            out.add(c);
        }
        return ok ? out : null;
    }

    private Flow.Contact contact(JsonNode n, String at) {
        if (object(n, at, CONTACT) == null) {
            return null;
        }
        String name = text(n, at, "name", true);
        Flow.Channel channel = choice(n, at, "channel", true, Flow.Channel.values(), Flow.Channel::yaml);
        URI address = null;
        JsonNode a = n.get("address");
        if (a == null && channel == Flow.Channel.WEBHOOK) {
            problem(at, "missing required field \"address\" (a webhook contact needs the URL to call)");
        } else if (a != null) {
            String s = text(n, at, "address", false);
            if (s != null && channel == Flow.Channel.WEBHOOK) {
                address = url(s);
                if (address == null) {
                    problem(at + "/address", "must be an absolute http or https URL, was " + quote(s));
                }
            } else if (s != null) {
                try {
                    address = new URI(s);
                } catch (URISyntaxException ex) {
                    address = URI.create("urn:contact:" + s.replaceAll("[^A-Za-z0-9._-]", "-"));
                }
            }
        }
        Duration ack = duration(n, at, "ackTimeout", false);
        if (ack != null && ack.compareTo(Duration.ofMinutes(1)) < 0) {
            problem(at + "/ackTimeout", "must be at least 1m, was " + Durations.format(ack));
            ack = null;
        } else if (ack == null && n.get("ackTimeout") == null) {
            ack = DEFAULT_ACK;
        }
        if (name == null || channel == null || ack == null || channel == Flow.Channel.WEBHOOK && address == null) {
            return null;
        }
        return new Flow.Contact(name, channel, address, ack);
    }

    private static URI url(String s) {
        try {
            URI u = new URI(s);
            if (("http".equals(u.getScheme()) || "https".equals(u.getScheme())) && u.getHost() != null) {
                return u;
            }
        } catch (URISyntaxException e) {
            // not a URL
        }
        return null;
    }

    private Targets targets(JsonNode n, String at, Map<String, Hours> hours) {
        if (object(n, at, TARGETS) == null) {
            return null;
        }
        Targets.Reliability reliability = null;
        JsonNode r = field(n, at, "reliability", true);
        if (r != null) {
            reliability = reliability(r, at + "/reliability", hours);
        }
        Targets.Performance performance = null;
        boolean ok = true;
        JsonNode p = field(n, at, "performance", false);
        if (p != null) {
            performance = performance(p, at + "/performance");
            ok = performance != null;
        }
        Targets.Security security = null;
        JsonNode s = field(n, at, "security", false);
        if (s != null) {
            security = security(s, at + "/security");
            ok &= security != null;
        }
        Targets.Cost cost = null;
        JsonNode c = field(n, at, "cost", false);
        if (c != null) {
            cost = cost(c, at + "/cost");
            ok &= cost != null;
        }
        Targets.Operations operations = Targets.Operations.NONE;
        JsonNode o = field(n, at, "operations", false);
        if (o != null) {
            operations = operations(o, at + "/operations");
        }
        if (reliability == null || !ok || operations == null) {
            return null;
        }
        return new Targets(reliability, performance, security, cost, operations);
    }

    private Targets.Reliability reliability(JsonNode n, String at, Map<String, Hours> hours) {
        if (object(n, at, RELIABILITY) == null) {
            return null;
        }
        BigDecimal availability = decimal(n, at, "availability", true);
        if (availability != null) {
            if (availability.signum() <= 0 || availability.compareTo(BigDecimal.valueOf(100)) > 0) {
                problem(at + "/availability", "must be between 0 and 100, was " + number(availability));
                availability = null;
            } else if (availability.compareTo(BigDecimal.valueOf(100)) == 0) {
                problem(at + "/availability", "must be less than 100 (a 100% target leaves no error budget), was 100");
                availability = null;
            }
        }
        String hoursName = Hours.ALWAYS_NAME;
        JsonNode h = n.get("hours");
        if (h != null) {
            hoursName = text(n, at, "hours", false);
        }
        Duration window = DEFAULT_WINDOW;
        if (n.get("window") != null) {
            window = duration(n, at, "window", false);
            if (window != null && (window.compareTo(Duration.ofDays(1)) < 0 || window.compareTo(Duration.ofDays(90)) > 0)) {
                problem(at + "/window", "must be between 1d and 90d, was " + Durations.format(window));
                window = null;
            }
        }
        Targets.Maintenance maintenance = Targets.Maintenance.NONE;
        JsonNode m = n.get("maintenance");
        if (m != null) {
            maintenance = maintenance(m, at + "/maintenance", hoursName == null ? null : hours.get(hoursName), hoursName);
        }
        List<String> expected = List.of();
        if (n.get("expectedErrors") != null) {
            expected = expectedErrors(n, at);
        }
        if (availability == null || hoursName == null || window == null || maintenance == null || expected == null) {
            return null;
        }
        return new Targets.Reliability(availability.doubleValue(), hoursName, window, maintenance, expected);
    }

    /**
     * Error names that are business outcomes: names as the ASL writes them, each once; the
     * {@code States.*} errors are failures of the runtime, never a business outcome.
     */
    private List<String> expectedErrors(JsonNode n, String at) {
        List<String> names = texts(n, at, "expectedErrors", false);
        if (names == null) {
            return null;
        }
        boolean ok = true;
        java.util.Set<String> seen = new java.util.HashSet<>();
        JsonNode list = n.get("expectedErrors");
        for (int i = 0, k = 0; i < list.size(); i++) {
            if (!list.get(i).isTextual() || list.get(i).asText().isBlank()) {
                ok = false;
                continue;
            }
            String name = names.get(k++);
            String where = at + "/expectedErrors/" + i;
            if (!ERROR_NAME.matcher(name).matches()) {
                problem(where, "must be an error name (letters, digits and _.:- up to 128), was " + quote(name));
                ok = false;
            } else if (name.startsWith("States.")) {
                problem(where, "must not be a States.* error (a failure of the runtime, never a business outcome), was "
                        + quote(name));
                ok = false;
            } else if (!seen.add(name)) {
                problem(where, "duplicate error " + quote(name));
                ok = false;
            }
        }
        return ok ? names : null;
    }

    private Targets.Maintenance maintenance(JsonNode n, String at, Hours hours, String hoursName) {
        if (object(n, at, MAINTENANCE) == null) {
            return null;
        }
        MaintenancePolicy policy = choice(n, at, "policy", true, MaintenancePolicy.values(), MaintenancePolicy::yaml);
        Duration notice = null;
        if (n.get("notice") != null) {
            notice = duration(n, at, "notice", false);
            if (policy != null && policy != MaintenancePolicy.ANNOUNCED) {
                problem(at + "/notice", "only the announced policy takes a notice, the policy is " + policy.yaml());
            }
        } else if (policy == MaintenancePolicy.ANNOUNCED) {
            problem(at, "missing required field \"notice\" (the announced policy needs it)");
        }
        if (policy == MaintenancePolicy.OUTSIDE_HOURS && Hours.ALWAYS_NAME.equals(hoursName)) {
            problem(at + "/policy", "outside-hours needs hours other than 24x7: the flow has no time outside its hours");
        }
        List<Targets.MaintenanceWindow> windows = new ArrayList<>();
        JsonNode w = n.get("windows");
        boolean ok = policy != null;
        if (w != null) {
            if (!w.isArray()) {
                problem(at + "/windows", "must be a list of windows, was " + typeOf(w));
                ok = false;
            } else if (policy == MaintenancePolicy.NONE && !w.isEmpty()) {
                problem(at + "/windows", "the maintenance policy none allows no windows");
                ok = false;
            } else {
                for (int i = 0; i < w.size(); i++) {
                    Targets.MaintenanceWindow mw = window(w.get(i), at + "/windows/" + i, policy, notice, hours);
                    ok &= mw != null;
                    windows.add(mw);
                }
            }
        }
        return ok ? new Targets.Maintenance(policy, notice, windows) : null;
    }

    private Targets.MaintenanceWindow window(JsonNode n, String at, MaintenancePolicy policy, Duration notice,
                                             Hours hours) {
        if (object(n, at, WINDOW) == null) {
            return null;
        }
        Instant start = instant(n, at, "start", true);
        Instant end = instant(n, at, "end", true);
        Instant announced = null;
        if (n.get("announced") != null) {
            announced = instant(n, at, "announced", false);
        } else if (policy == MaintenancePolicy.ANNOUNCED) {
            problem(at, "missing required field \"announced\" (the announced policy needs it)");
            return null;
        }
        if (start == null || end == null) {
            return null;
        }
        if (!end.isAfter(start)) {
            problem(at + "/end", "must be after the start (" + start + "), was " + end);
            return null;
        }
        if (policy == MaintenancePolicy.ANNOUNCED && announced != null && notice != null) {
            Duration lead = Duration.between(announced, start);
            if (lead.compareTo(notice) < 0) {
                problem(at + "/announced", "must be at least " + Durations.format(notice) + " before the start ("
                        + start + "), was " + (lead.isNegative() || lead.isZero() ? "not before it"
                        : Durations.format(lead) + " before"));
                return null;
            }
        }
        if (policy == MaintenancePolicy.OUTSIDE_HOURS && hours != null && hours != Hours.ALWAYS) {
            Instant limit = start.plus(Duration.ofDays(31));
            for (Instant t = start; t.isBefore(end) && t.isBefore(limit); t = t.plus(Duration.ofMinutes(1))) {
                if (hours.contains(t)) {
                    problem(at, "the policy is outside-hours but the window overlaps the hours " + hours.name() + " ("
                            + hours.describe() + ") at " + t);
                    return null;
                }
            }
        }
        return new Targets.MaintenanceWindow(start, end, announced);
    }

    private Targets.Performance performance(JsonNode n, String at) {
        if (object(n, at, PERFORMANCE) == null) {
            return null;
        }
        boolean ok = true;
        TreeMap<Double, Duration> latency = new TreeMap<>();
        Map<Double, String> keys = new HashMap<>();
        JsonNode l = n.get("latency");
        if (l != null) {
            if (!l.isObject()) {
                problem(at + "/latency", "must be an object of percentiles such as {p50: 200ms, p99: 1s}, was "
                        + typeOf(l));
                ok = false;
            } else {
                for (Iterator<String> it = l.fieldNames(); it.hasNext(); ) {
                    String key = it.next();
                    String kAt = at + "/latency/" + LocatedYaml.token(key);
                    Matcher m = PERCENTILE.matcher(key);
                    double pct = m.matches() ? Double.parseDouble(m.group(1)) : -1;
                    if (pct <= 0 || pct >= 100) {
                        keyProblem(kAt, "must be a percentile such as p50, p90, p95, p99 or p99.9, was " + quote(key));
                        ok = false;
                        continue;
                    }
                    Duration d = duration(l, at + "/latency", key, true);
                    if (d == null) {
                        ok = false;
                        continue;
                    }
                    if (d.isZero()) {
                        problem(kAt, "must be more than 0");
                        ok = false;
                        continue;
                    }
                    latency.put(pct, d);
                    keys.put(pct, key);
                }
                Map.Entry<Double, Duration> previous = null;
                for (Map.Entry<Double, Duration> e : latency.entrySet()) {
                    if (previous != null && e.getValue().compareTo(previous.getValue()) < 0) {
                        problem(at + "/latency/" + LocatedYaml.token(keys.get(e.getKey())), "must not be less than "
                                + keys.get(previous.getKey()) + " (" + Durations.format(previous.getValue()) + "), was "
                                + Durations.format(e.getValue()));
                        ok = false;
                    }
                    previous = e;
                }
            }
        }
        Double perSecond = null;
        String throughput = null;
        JsonNode t = n.get("throughput");
        if (t != null) {
            Matcher m = t.isTextual() ? RATE.matcher(t.asText()) : null;
            if (m == null || !m.matches() || Double.parseDouble(m.group(1)) <= 0) {
                problem(at + "/throughput", "must be a rate such as 50/s, 300/m or 1000/h, was " + shown(t));
                ok = false;
            } else {
                throughput = t.asText();
                double per = switch (m.group(2)) {
                    case "s" -> 1;
                    case "m" -> 60;
                    case "h" -> 3600;
                    default -> 86400;
                };
                perSecond = Double.parseDouble(m.group(1)) / per;
            }
        }
        return ok ? new Targets.Performance(latency, perSecond, throughput) : null;
    }

    private Targets.Security security(JsonNode n, String at) {
        if (object(n, at, SECURITY) == null) {
            return null;
        }
        List<String> roles = texts(n, at, "roles", false);
        DataClassification c = choice(n, at, "dataClassification", false, DataClassification.values(),
                DataClassification::yaml);
        List<String> paths = texts(n, at, "sensitivePaths", false);
        List<dev.setlist.flows.SensitivePath> sensitive = new ArrayList<>();
        JsonNode rawPaths = n.get("sensitivePaths");
        boolean pathsOk = rawPaths == null || paths != null && paths.size() == rawPaths.size();
        if (paths != null) {
            Set<String> seen = new java.util.HashSet<>();
            for (int i = 0; i < rawPaths.size(); i++) {
                JsonNode e = rawPaths.get(i);
                if (!e.isTextual() || e.asText().isBlank()) {
                    continue;
                }
                try {
                    dev.setlist.flows.SensitivePath p = dev.setlist.flows.SensitivePath.parse(e.asText());
                    if (!seen.add(p.text())) {
                        problem(at + "/sensitivePaths/" + i, "is listed twice: " + quote(p.text()));
                        pathsOk = false;
                    }
                    sensitive.add(p);
                } catch (dev.setlist.flows.SensitivePath.InvalidPathException ex) {
                    problem(at + "/sensitivePaths/" + i, "must be a JSONPath such as $.card or $..email: "
                            + ex.getMessage());
                    pathsOk = false;
                }
            }
        }
        if (n.get("roles") != null && roles == null || n.get("dataClassification") != null && c == null || !pathsOk) {
            return null;
        }
        return new Targets.Security(roles == null ? List.of() : roles, c, sensitive);
    }

    private Targets.Cost cost(JsonNode n, String at) {
        if (object(n, at, COST) == null) {
            return null;
        }
        BigDecimal perRuns = nonNegative(n, at, "perThousandRuns");
        BigDecimal perMonth = nonNegative(n, at, "perMonth");
        String currency = "USD";
        if (n.get("currency") != null) {
            currency = text(n, at, "currency", false);
            if (currency != null && !isCurrency(currency)) {
                problem(at + "/currency", "must be an ISO 4217 currency code such as USD or EUR, was " + quote(currency));
                currency = null;
            }
        }
        if (n.get("perThousandRuns") != null && perRuns == null || n.get("perMonth") != null && perMonth == null
                || currency == null) {
            return null;
        }
        return new Targets.Cost(perRuns, perMonth, currency);
    }

    private static boolean isCurrency(String code) {
        if (!CURRENCY.matcher(code).matches()) {
            return false;
        }
        try {
            Currency.getInstance(code);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private BigDecimal nonNegative(JsonNode n, String at, String name) {
        BigDecimal v = decimal(n, at, name, false);
        if (v != null && v.signum() < 0) {
            problem(at + "/" + name, "must not be negative, was " + number(v));
            return null;
        }
        return v;
    }

    private Targets.Operations operations(JsonNode n, String at) {
        if (object(n, at, OPERATIONS) == null) {
            return null;
        }
        List<String> alarms = texts(n, at, "alarms", false);
        List<String> page = texts(n, at, "page", false);
        if (n.get("alarms") != null && alarms == null || n.get("page") != null && page == null) {
            return null;
        }
        return new Targets.Operations(alarms == null ? List.of() : alarms, page == null ? List.of() : page);
    }

    private Flow.BindingSet bindingSet(JsonNode n, String at) {
        if (object(n, at, BINDINGS) == null) {
            return null;
        }
        List<String> routes = texts(n, at, "routes", false);
        List<String> machines = texts(n, at, "stateMachines", false);
        List<String> rules = texts(n, at, "eventRules", false);
        boolean ok = !(n.get("routes") != null && routes == null || n.get("stateMachines") != null && machines == null
                || n.get("eventRules") != null && rules == null);
        if (routes != null) {
            for (int i = 0; i < routes.size(); i++) {
                Matcher m = ROUTE.matcher(routes.get(i));
                if (!m.matches()) {
                    problem(at + "/routes/" + i, "must be \"METHOD /path\" such as \"GET /api/concerts\", was "
                            + quote(routes.get(i)));
                    ok = false;
                }
            }
        }
        ok &= names(machines, at + "/stateMachines", "state machine");
        ok &= names(rules, at + "/eventRules", "event rule");
        if (!ok) {
            return null;
        }
        return new Flow.BindingSet(routes == null ? List.of() : routes, machines == null ? List.of() : machines,
                rules == null ? List.of() : rules);
    }

    private boolean names(List<String> names, String at, String what) {
        boolean ok = true;
        if (names != null) {
            for (int i = 0; i < names.size(); i++) {
                if (!NAME.matcher(names.get(i)).matches()) {
                    problem(at + "/" + i, "must be a " + what + " name (letters, digits, '.', '_', '-', '/'), was "
                            + quote(names.get(i)));
                    ok = false;
                }
            }
        }
        return ok;
    }

    private List<AlarmSpec> alarms(JsonNode n, String at) {
        JsonNode a = n.get("alarms");
        if (a == null) {
            return List.of();
        }
        String path = at + "/alarms";
        if (!a.isArray()) {
            problem(path, "must be a list of alarms, was " + typeOf(a));
            return null;
        }
        List<AlarmSpec> out = new ArrayList<>();
        boolean ok = true;
        for (int i = 0; i < a.size(); i++) {
            AlarmSpec spec = alarm(a.get(i), path + "/" + i);
            ok &= spec != null;
            out.add(spec);
        }
        return ok ? out : null;
    }

    private AlarmSpec alarm(JsonNode n, String at) {
        boolean composite = n != null && n.isObject() && n.has("rule");
        if (composite) {
            if (!n.isObject()) {
                return null;
            }
            for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
                String f = it.next();
                if (!COMPOSITE_ALARM.contains(f)) {
                    keyProblem(at + "/" + LocatedYaml.token(f), METRIC_ALARM.contains(f)
                            ? "a composite alarm (with a rule) takes no " + quote(f)
                            : unknownField(f, COMPOSITE_ALARM));
                }
            }
        } else if (object(n, at, METRIC_ALARM) == null) {
            return null;
        }
        String name = text(n, at, "name", true);
        if (name != null && !ALARM_NAME.matcher(name).matches()) {
            problem(at + "/name", "must be 1 to 255 letters, digits, '.', '_' or '-', was " + quote(name));
            name = null;
        }
        String description = text(n, at, "description", false);
        if (composite) {
            String rule = text(n, at, "rule", true);
            if (rule != null) {
                try {
                    RuleExpression.parse(rule);
                } catch (RuleExpression.SyntaxException e) {
                    problem(at + "/rule", e.getMessage());
                    rule = null;
                }
            }
            return name == null || rule == null ? null : new AlarmSpec.CompositeAlarm(name, description, rule);
        }
        Metric metric = choice(n, at, "metric", true, Metric.values(), Metric::yaml);
        Statistic statistic = choice(n, at, "statistic", true, Statistic.values(), Statistic::yaml);
        Duration period = duration(n, at, "period", true);
        if (period != null && (period.toSeconds() < 60 || period.toMillis() % 60_000 != 0)) {
            problem(at + "/period", "must be a whole number of minutes (1m or more), was " + Durations.format(period));
            period = null;
        }
        Integer evaluationPeriods = count(n, at, "evaluationPeriods", true);
        Integer datapoints = evaluationPeriods;
        if (n.get("datapointsToAlarm") != null) {
            datapoints = count(n, at, "datapointsToAlarm", false);
            if (datapoints != null && evaluationPeriods != null && datapoints > evaluationPeriods) {
                problem(at + "/datapointsToAlarm", "must be between 1 and evaluationPeriods (" + evaluationPeriods
                        + "), was " + datapoints);
                datapoints = null;
            }
        }
        if (period != null && evaluationPeriods != null
                && period.multipliedBy(evaluationPeriods).compareTo(Duration.ofDays(1)) > 0) {
            problem(at + "/evaluationPeriods", "evaluationPeriods × period must not exceed 1d, was "
                    + Durations.format(period.multipliedBy(evaluationPeriods)));
            evaluationPeriods = null;
        }
        BigDecimal threshold = decimal(n, at, "threshold", true);
        Comparison comparison = choice(n, at, "comparison", true, Comparison.values(), Comparison::yaml);
        MissingData missing = MissingData.MISSING;
        if (n.get("treatMissingData") != null) {
            missing = choice(n, at, "treatMissingData", false, MissingData.values(), MissingData::yaml);
        }
        if (name == null || metric == null || statistic == null || period == null || evaluationPeriods == null
                || datapoints == null || threshold == null || comparison == null || missing == null) {
            return null;
        }
        return new AlarmSpec.MetricAlarm(name, description, metric, statistic, period, evaluationPeriods, datapoints,
                threshold.doubleValue(), comparison, missing);
    }

    private Integer count(JsonNode n, String at, String name, boolean required) {
        JsonNode v = field(n, at, name, required);
        if (v == null) {
            return null;
        }
        if (!v.isNumber() || !v.canConvertToExactIntegral() || v.decimalValue().compareTo(BigDecimal.ONE) < 0
                || v.decimalValue().compareTo(BigDecimal.valueOf(100_000)) > 0) {
            problem(at + "/" + name, "must be a whole number of at least 1, was " + shown(v));
            return null;
        }
        return v.intValue();
    }

    // ---- references ------------------------------------------------------------------------

    /**
     * Checks the references between values. {@code hours} holds the valid hours; a reference to
     * hours that are declared but wrong is not reported again.
     */
    private void crossCheck(List<FlowAt> flows, Map<String, Hours> hours, Set<String> declaredHours) {
        Map<String, String> ids = new HashMap<>();
        Map<String, String> alarmNames = new HashMap<>();
        Map<String, String> composites = new LinkedHashMap<>();
        Map<String, String> compositeAt = new HashMap<>();
        for (FlowAt fa : flows) {
            JsonNode n = fa.node();
            if (n == null || !n.isObject()) {
                continue;
            }
            JsonNode id = n.get("id");
            if (id != null && id.isTextual()) {
                String seen = ids.putIfAbsent(id.asText(), fa.pointer());
                if (seen != null) {
                    problem(fa.pointer() + "/id", "duplicate flow id " + quote(id.asText()) + ", also at " + seen);
                }
            }
            JsonNode alarms = n.get("alarms");
            if (alarms != null && alarms.isArray()) {
                for (int i = 0; i < alarms.size(); i++) {
                    JsonNode name = alarms.get(i).get("name");
                    String at = fa.pointer() + "/alarms/" + i;
                    if (name != null && name.isTextual()) {
                        String seen = alarmNames.putIfAbsent(name.asText(), at);
                        if (seen != null) {
                            problem(at + "/name", "duplicate alarm name " + quote(name.asText()) + ", also at " + seen);
                        }
                        JsonNode rule = alarms.get(i).get("rule");
                        if (rule != null && rule.isTextual()) {
                            composites.put(name.asText(), rule.asText());
                            compositeAt.put(name.asText(), at + "/rule");
                        }
                    }
                }
            }
        }
        for (FlowAt fa : flows) {
            JsonNode n = fa.node();
            if (n == null || !n.isObject()) {
                continue;
            }
            String ownId = n.path("id").asText(null);
            JsonNode deps = n.path("useCase").path("dependencies");
            if (deps.isArray()) {
                for (int i = 0; i < deps.size(); i++) {
                    String dep = deps.get(i).asText(null);
                    String at = fa.pointer() + "/useCase/dependencies/" + i;
                    if (dep == null) {
                        continue;
                    }
                    if (dep.equals(ownId)) {
                        problem(at, "a flow cannot depend on itself");
                    } else if (!ids.containsKey(dep)) {
                        problem(at, "no flow with id " + quote(dep) + "; flows: " + String.join(", ", ids.keySet().stream().sorted().toList()));
                    }
                }
            }
            JsonNode h = n.path("targets").path("reliability").path("hours");
            if (h.isTextual() && !hours.containsKey(h.asText()) && !declaredHours.contains(h.asText())) {
                List<String> known = new ArrayList<>(hours.keySet());
                problem(fa.pointer() + "/targets/reliability/hours", "no hours named " + quote(h.asText())
                        + "; defined: " + String.join(", ", known));
            }
            List<String> own = new ArrayList<>();
            JsonNode alarms = n.get("alarms");
            if (alarms != null && alarms.isArray()) {
                alarms.forEach(a -> {
                    if (a.path("name").isTextual()) {
                        own.add(a.path("name").asText());
                    }
                });
            }
            JsonNode ops = n.path("targets").path("operations");
            JsonNode opsAlarms = ops.path("alarms");
            if (opsAlarms.isArray()) {
                for (int i = 0; i < opsAlarms.size(); i++) {
                    String a = opsAlarms.get(i).asText(null);
                    if (a != null && !own.contains(a)) {
                        problem(fa.pointer() + "/targets/operations/alarms/" + i, "no alarm named " + quote(a)
                                + " in this flow's alarms" + (own.isEmpty() ? " (it defines none)"
                                : ": " + String.join(", ", new LinkedHashSet<>(own))));
                    }
                }
            }
            JsonNode page = ops.path("page");
            if (page.isArray()) {
                for (int i = 0; i < page.size(); i++) {
                    String a = page.get(i).asText(null);
                    if (a != null && !own.contains(a) && !BURN_RATE_ALERTS.contains(a)) {
                        problem(fa.pointer() + "/targets/operations/page/" + i, "no alarm named " + quote(a)
                                + " in this flow's alarms, and not a burn-rate alert ("
                                + String.join(", ", BURN_RATE_ALERTS) + ")");
                    }
                }
            }
            checkBindings(n.path("bindings"), fa.pointer() + "/bindings");
        }
        for (Map.Entry<String, String> c : composites.entrySet()) {
            RuleExpression rule;
            try {
                rule = RuleExpression.parse(c.getValue());
            } catch (RuleExpression.SyntaxException e) {
                continue;
            }
            for (String ref : rule.names()) {
                if (!alarmNames.containsKey(ref)) {
                    problem(compositeAt.get(c.getKey()), "no alarm named " + quote(ref));
                } else if (ref.equals(c.getKey())) {
                    problem(compositeAt.get(c.getKey()), "a composite alarm cannot refer to itself");
                }
            }
        }
        reportCycles(composites, compositeAt);
    }

    private void reportCycles(Map<String, String> composites, Map<String, String> at) {
        Map<String, List<String>> edges = new HashMap<>();
        for (Map.Entry<String, String> c : composites.entrySet()) {
            try {
                edges.put(c.getKey(), RuleExpression.parse(c.getValue()).names().stream()
                        .filter(n -> composites.containsKey(n) && !n.equals(c.getKey())).toList());
            } catch (RuleExpression.SyntaxException e) {
                edges.put(c.getKey(), List.of());
            }
        }
        Set<String> reported = new java.util.HashSet<>();
        for (String start : composites.keySet()) {
            List<String> cycle = findCycle(start, edges, new ArrayList<>());
            if (cycle != null && reported.add(new java.util.TreeSet<>(cycle).toString())) {
                problem(at.get(start), "composite alarms refer to each other in a cycle: " + String.join(" -> ", cycle));
            }
        }
    }

    private static List<String> findCycle(String node, Map<String, List<String>> edges, List<String> path) {
        int i = path.indexOf(node);
        if (i == 0) {
            List<String> cycle = new ArrayList<>(path);
            cycle.add(node);
            return cycle;
        }
        if (i > 0) {
            return null;
        }
        path.add(node);
        for (String next : edges.getOrDefault(node, List.of())) {
            List<String> c = findCycle(next, edges, path);
            if (c != null) {
                return c;
            }
        }
        path.remove(path.size() - 1);
        return null;
    }

    private void checkBindings(JsonNode b, String at) {
        if (!b.isObject()) {
            return;
        }
        JsonNode routes = b.path("routes");
        for (int i = 0; i < routes.size(); i++) {
            Matcher m = ROUTE.matcher(routes.get(i).asText(""));
            if (m.matches() && !bindings.hasRoute(m.group(1), m.group(2))) {
                problem(at + "/routes/" + i, "no route " + m.group(1) + " " + m.group(2) + " in the server");
            }
        }
        JsonNode machines = b.path("stateMachines");
        for (int i = 0; i < machines.size(); i++) {
            String name = machines.get(i).asText("");
            if (NAME.matcher(name).matches() && !bindings.hasStateMachine(name)) {
                problem(at + "/stateMachines/" + i, "no state machine named " + quote(name));
            }
        }
        JsonNode rules = b.path("eventRules");
        for (int i = 0; i < rules.size(); i++) {
            String name = rules.get(i).asText("");
            if (NAME.matcher(name).matches() && !bindings.hasEventRule(name)) {
                problem(at + "/eventRules/" + i, "no event rule named " + quote(name));
            }
        }
    }
}
