package dev.setlist.asl.internal.validate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.setlist.asl.ErrorNames;
import dev.setlist.asl.Problem;
import dev.setlist.asl.internal.expr.ExpressionSyntaxException;
import dev.setlist.asl.internal.intrinsic.Intrinsics;
import dev.setlist.asl.internal.jsonata.Jsonata;
import dev.setlist.asl.internal.path.Paths;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/** One run of the validator over one definition. Not thread safe; used once. */
final class Checker {

    enum Lang {
        JSONPATH("JSONPath"), JSONATA("JSONata");

        final String label;

        Lang(String label) {
            this.label = label;
        }
    }

    /** What kind of state machine object is being checked; decides its allowed fields. */
    private enum MachineKind {
        TOP("a state machine", Set.of("States", "StartAt", "Comment", "Version", "TimeoutSeconds", "QueryLanguage")),
        BRANCH("a Parallel branch", Set.of("States", "StartAt", "Comment")),
        PROCESSOR("an item processor", Set.of("States", "StartAt", "Comment", "ProcessorConfig"));

        final String label;
        final Set<String> fields;

        MachineKind(String label, Set<String> fields) {
            this.label = label;
            this.fields = fields;
        }
    }

    /** Fields a state type allows in both query languages, in JSONPath only and in JSONata only. */
    private record Fields(Set<String> both, Set<String> jsonPath, Set<String> jsonata) {
        boolean known(String f) {
            return both.contains(f) || jsonPath.contains(f) || jsonata.contains(f);
        }
    }

    private static final Set<String> COMMON = Set.of("Type", "Comment", "QueryLanguage");

    private static Set<String> with(Set<String> base, String... more) {
        Set<String> s = new HashSet<>(base);
        s.addAll(List.of(more));
        return Set.copyOf(s);
    }

    private static final Map<String, Fields> STATE_FIELDS = Map.of(
            "Pass", new Fields(with(COMMON, "Next", "End", "Assign"),
                    Set.of("InputPath", "OutputPath", "Parameters", "ResultPath", "Result"),
                    Set.of("Output")),
            "Task", new Fields(with(COMMON, "Next", "End", "Assign", "Resource", "Retry", "Catch", "TimeoutSeconds",
                            "HeartbeatSeconds", "Credentials"),
                    Set.of("InputPath", "OutputPath", "Parameters", "ResultSelector", "ResultPath",
                            "TimeoutSecondsPath", "HeartbeatSecondsPath"),
                    Set.of("Arguments", "Output")),
            "Choice", new Fields(with(COMMON, "Choices", "Default", "Assign"),
                    Set.of("InputPath", "OutputPath"),
                    Set.of("Output")),
            "Wait", new Fields(with(COMMON, "Next", "End", "Assign", "Seconds", "Timestamp"),
                    Set.of("InputPath", "OutputPath", "SecondsPath", "TimestampPath"),
                    Set.of("Output")),
            "Succeed", new Fields(COMMON, Set.of("InputPath", "OutputPath"), Set.of("Output")),
            "Fail", new Fields(with(COMMON, "Error", "Cause"), Set.of("ErrorPath", "CausePath"), Set.of()),
            "Parallel", new Fields(with(COMMON, "Next", "End", "Assign", "Branches", "Retry", "Catch"),
                    Set.of("InputPath", "OutputPath", "Parameters", "ResultSelector", "ResultPath"),
                    Set.of("Arguments", "Output")),
            "Map", new Fields(with(COMMON, "Next", "End", "Assign", "ItemProcessor", "ItemReader", "ItemSelector",
                            "ItemBatcher", "ResultWriter", "MaxConcurrency", "ToleratedFailurePercentage",
                            "ToleratedFailureCount", "Label", "Retry", "Catch"),
                    Set.of("InputPath", "OutputPath", "ItemsPath", "Parameters", "Iterator", "ResultSelector",
                            "ResultPath", "MaxConcurrencyPath", "ToleratedFailurePercentagePath",
                            "ToleratedFailureCountPath"),
                    Set.of("Items", "Output")));

    private static final List<String> TYPE_NAMES =
            List.of("Pass", "Task", "Choice", "Wait", "Succeed", "Fail", "Parallel", "Map");

    private static final Set<String> RETRIER_FIELDS = Set.of("ErrorEquals", "IntervalSeconds", "MaxAttempts",
            "BackoffRate", "MaxDelaySeconds", "JitterStrategy", "Comment");

    private static final Set<String> STRING_OPS = Set.of("StringEquals", "StringLessThan", "StringGreaterThan",
            "StringLessThanEquals", "StringGreaterThanEquals");
    private static final Set<String> NUMERIC_OPS = Set.of("NumericEquals", "NumericLessThan", "NumericGreaterThan",
            "NumericLessThanEquals", "NumericGreaterThanEquals");
    private static final Set<String> TIMESTAMP_OPS = Set.of("TimestampEquals", "TimestampLessThan",
            "TimestampGreaterThan", "TimestampLessThanEquals", "TimestampGreaterThanEquals");
    private static final Set<String> TEST_OPS = Set.of("IsNull", "IsPresent", "IsNumeric", "IsString", "IsBoolean",
            "IsTimestamp");
    private static final Set<String> OPERATORS;

    static {
        Set<String> ops = new HashSet<>();
        for (Set<String> group : List.of(STRING_OPS, NUMERIC_OPS, TIMESTAMP_OPS)) {
            for (String op : group) {
                ops.add(op);
                ops.add(op + "Path");
            }
        }
        ops.add("BooleanEquals");
        ops.add("BooleanEqualsPath");
        ops.add("StringMatches");
        ops.addAll(TEST_OPS);
        OPERATORS = Set.copyOf(ops);
    }

    static final int MAX_NAME = 80;
    static final int MAX_VARIABLE_NAME = 80;
    static final long MAX_SECONDS = 99_999_999L;
    static final long MAX_DELAY_SECONDS = 31_622_400L;
    static final long MAX_BATCH_BYTES = 262_144L;
    static final int MAX_LABEL = 40;

    private static final Pattern TIMESTAMP = Pattern.compile(
            "\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?(Z|[+-]\\d{2}:\\d{2})");

    private final JsonNode root;
    private final List<Problem> problems = new ArrayList<>();
    /** Every state name in document order, with where it is declared (first declaration wins). */
    private final Map<String, String> declared = new HashMap<>();
    private Lang topLang = Lang.JSONPATH;

    /** Whether {@code ${…}} template placeholders (SAM, CDK, Terraform) may stand in a Resource. */
    private final boolean allowPlaceholders;

    Checker(JsonNode root) {
        this(root, false);
    }

    Checker(JsonNode root, boolean allowPlaceholders) {
        this.root = root;
        this.allowPlaceholders = allowPlaceholders;
    }

    List<Problem> run() {
        int depth = depth(root);
        if (depth > Validator.MAX_DEPTH) {
            return List.of(new Problem("", "is nested deeper than " + Validator.MAX_DEPTH + " levels"));
        }
        if (!root.isObject()) {
            return List.of(new Problem("", "must be a JSON object, was " + describe(root)));
        }
        JsonNode ql = root.get("QueryLanguage");
        if (ql != null && ql.isTextual() && ql.asText().equals("JSONata")) {
            topLang = Lang.JSONATA;
        }
        declareNames(root, "");
        checkMachine(root, "", MachineKind.TOP);
        return sorted();
    }

    // ---------------------------------------------------------------- machines and transitions

    /** One States object: its names, transitions and terminal states. */
    private static final class Scope {
        final Set<String> names = new LinkedHashSet<>();
        final Map<String, List<String>> edges = new HashMap<>();
        final Set<String> terminals = new HashSet<>();
        final String ptr;
        /** Set when a state's transitions could not be worked out; reachability is then not judged. */
        boolean incomplete;

        Scope(String ptr) {
            this.ptr = ptr;
        }
    }

    /** Records every state name in document order, reporting names declared twice anywhere. */
    private void declareNames(JsonNode machine, String ptr) {
        JsonNode states = machine.get("States");
        if (states == null || !states.isObject()) {
            return;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = states.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String name = e.getKey();
            String sp = ptr + "/States/" + escape(name);
            String first = declared.putIfAbsent(name, sp);
            if (first != null) {
                add(sp, "state name \"" + abbreviate(name) + "\" is already used at " + first
                        + "; state names must be unique across the whole state machine");
            }
            JsonNode state = e.getValue();
            if (!state.isObject()) {
                continue;
            }
            JsonNode branches = state.get("Branches");
            if (branches != null && branches.isArray()) {
                for (int i = 0; i < branches.size(); i++) {
                    if (branches.get(i).isObject()) {
                        declareNames(branches.get(i), sp + "/Branches/" + i);
                    }
                }
            }
            for (String f : List.of("ItemProcessor", "Iterator")) {
                JsonNode proc = state.get(f);
                if (proc != null && proc.isObject()) {
                    declareNames(proc, sp + "/" + f);
                }
            }
        }
    }

    private void checkMachine(JsonNode m, String ptr, MachineKind kind) {
        for (Iterator<String> it = m.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!kind.fields.contains(f)) {
                add(ptr + "/" + escape(f), "field \"" + abbreviate(f) + "\" is not allowed in " + kind.label);
            }
        }
        string(m, ptr, "Comment");
        if (kind == MachineKind.TOP) {
            string(m, ptr, "Version");
            JsonNode t = m.get("TimeoutSeconds");
            if (t != null) {
                integer(t, ptr + "/TimeoutSeconds", 1, MAX_SECONDS);
            }
            JsonNode ql = m.get("QueryLanguage");
            if (ql != null && !(ql.isTextual() && (ql.asText().equals("JSONPath") || ql.asText().equals("JSONata")))) {
                add(ptr + "/QueryLanguage", "must be \"JSONPath\" or \"JSONata\", was " + describe(ql));
            }
        }
        if (kind == MachineKind.PROCESSOR) {
            processorConfig(m.get("ProcessorConfig"), ptr + "/ProcessorConfig");
        }
        JsonNode startAt = m.get("StartAt");
        JsonNode states = m.get("States");
        Scope scope = new Scope(ptr);
        if (states == null) {
            add(ptr, "missing required field \"States\"");
        } else if (!states.isObject()) {
            add(ptr + "/States", "must be an object of states, was " + describe(states));
        } else if (states.isEmpty()) {
            add(ptr + "/States", "must contain at least one state");
        } else {
            states.fieldNames().forEachRemaining(scope.names::add);
        }
        String start = null;
        if (startAt == null) {
            add(ptr, "missing required field \"StartAt\"");
        } else if (!startAt.isTextual()) {
            add(ptr + "/StartAt", "must be a string naming a state, was " + describe(startAt));
        } else if (states != null && states.isObject() && !states.isEmpty()) {
            start = startAt.asText();
            if (!scope.names.contains(start)) {
                add(ptr + "/StartAt", noState(start));
                start = null;
            }
        }
        if (states == null || !states.isObject()) {
            return;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = states.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String sp = ptr + "/States/" + escape(e.getKey());
            if (e.getKey().isEmpty()) {
                add(sp, "state name must not be empty");
            } else if (e.getKey().codePointCount(0, e.getKey().length()) > MAX_NAME) {
                add(sp, "state name must be at most " + MAX_NAME + " characters, was "
                        + e.getKey().codePointCount(0, e.getKey().length()));
            }
            checkState(e.getKey(), e.getValue(), sp, scope);
        }
        if (start != null && !scope.incomplete) {
            Set<String> reached = new LinkedHashSet<>();
            Deque<String> todo = new ArrayDeque<>();
            todo.add(start);
            while (!todo.isEmpty()) {
                String s = todo.poll();
                if (reached.add(s)) {
                    for (String next : scope.edges.getOrDefault(s, List.of())) {
                        if (!reached.contains(next)) {
                            todo.add(next);
                        }
                    }
                }
            }
            for (String name : scope.names) {
                if (!reached.contains(name)) {
                    add(ptr + "/States/" + escape(name), "state is not reachable from StartAt \"" + abbreviate(start) + "\"");
                }
            }
            boolean terminal = reached.stream().anyMatch(scope.terminals::contains);
            if (!terminal) {
                add(ptr, "no terminal state is reachable from StartAt \"" + abbreviate(start)
                        + "\" (a state with \"End\": true, or a Succeed or Fail state)");
            }
        }
    }

    private void processorConfig(JsonNode pc, String p) {
        if (pc == null) {
            return;
        }
        if (!pc.isObject()) {
            add(p, "must be an object, was " + describe(pc));
            return;
        }
        allowOnly(pc, p, Set.of("Mode", "ExecutionType"), "ProcessorConfig");
        JsonNode mode = pc.get("Mode");
        if (mode != null) {
            oneOf(mode, p + "/Mode", "INLINE", "DISTRIBUTED");
        }
        JsonNode et = pc.get("ExecutionType");
        if (et != null) {
            oneOf(et, p + "/ExecutionType", "STANDARD", "EXPRESS");
        }
        boolean distributed = mode != null && "DISTRIBUTED".equals(mode.asText());
        if (distributed && et == null) {
            add(p, "missing required field \"ExecutionType\" (required when Mode is DISTRIBUTED)");
        } else if (!distributed && et != null && mode != null && "INLINE".equals(mode.asText())) {
            add(p + "/ExecutionType", "is only allowed when Mode is DISTRIBUTED");
        }
    }

    /** Records a transition from {@code from}; reports a target that does not exist in this scope. */
    private void transition(Scope scope, String from, JsonNode target, String p) {
        if (target == null) {
            return;
        }
        if (!target.isTextual()) {
            add(p, "must be a string naming a state, was " + describe(target));
            scope.incomplete = true;
            return;
        }
        String name = target.asText();
        if (!scope.names.contains(name)) {
            add(p, noState(name));
            scope.incomplete = true;
            return;
        }
        scope.edges.computeIfAbsent(from, k -> new ArrayList<>()).add(name);
    }

    private String noState(String name) {
        String elsewhere = declared.get(name);
        if (elsewhere != null) {
            return "no state named \"" + abbreviate(name) + "\" here; the one at " + elsewhere
                    + " is in another scope (transitions may not cross Parallel branch or Map boundaries)";
        }
        return "no state named \"" + abbreviate(name) + "\"";
    }

    // ---------------------------------------------------------------- states

    private void checkState(String name, JsonNode s, String p, Scope scope) {
        if (!s.isObject()) {
            add(p, "must be an object, was " + describe(s));
            scope.incomplete = true;
            return;
        }
        JsonNode typeNode = s.get("Type");
        if (typeNode == null) {
            add(p, "missing required field \"Type\"");
            scope.incomplete = true;
            return;
        }
        if (!typeNode.isTextual() || !STATE_FIELDS.containsKey(typeNode.asText())) {
            add(p + "/Type", "must be one of " + String.join(", ", TYPE_NAMES) + ", was " + describe(typeNode));
            scope.incomplete = true;
            return;
        }
        String type = typeNode.asText();
        Lang lang = topLang;
        JsonNode ql = s.get("QueryLanguage");
        if (ql != null) {
            if (ql.isTextual() && ql.asText().equals("JSONPath")) {
                if (topLang == Lang.JSONATA) {
                    add(p + "/QueryLanguage", "must not be \"JSONPath\" when the top-level QueryLanguage is JSONata");
                } else {
                    lang = Lang.JSONPATH;
                }
            } else if (ql.isTextual() && ql.asText().equals("JSONata")) {
                lang = Lang.JSONATA;
            } else {
                add(p + "/QueryLanguage", "must be \"JSONPath\" or \"JSONata\", was " + describe(ql));
            }
        }
        Fields fields = STATE_FIELDS.get(type);
        Set<String> usable = new HashSet<>();
        for (Iterator<String> it = s.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            String fp = p + "/" + escape(f);
            if (!fields.known(f)) {
                add(fp, "field \"" + abbreviate(f) + "\" is not allowed in a " + type + " state");
            } else if (lang == Lang.JSONATA && fields.jsonPath().contains(f)) {
                add(fp, modeMessage(f, lang, jsonataHint(f, type, fields)));
            } else if (lang == Lang.JSONPATH && fields.jsonata().contains(f)) {
                add(fp, modeMessage(f, lang, jsonPathHint(f)));
            } else {
                usable.add(f);
            }
        }
        State st = new State(name, s, p, type, lang, usable, scope);
        string(st, "Comment");
        if (usable.contains("Next") || usable.contains("End")) {
            nextOrEnd(st);
        } else if (fields.both().contains("Next")) {
            add(p, "must have \"Next\" or \"End\": true");
            scope.incomplete = true;
        } else if (type.equals("Succeed") || type.equals("Fail")) {
            scope.terminals.add(name);
        }
        path(st, "InputPath", true);
        path(st, "OutputPath", true);
        resultPath(st, "ResultPath");
        payloadTemplate(st, "ResultSelector");
        if (!type.equals("Map")) {
            payloadTemplate(st, "Parameters");
        }
        jsonataField(st, "Output");
        assign(st.get("Assign"), p + "/Assign", lang);
        switch (type) {
            case "Task" -> task(st);
            case "Choice" -> choice(st);
            case "Wait" -> waitState(st);
            case "Fail" -> fail(st);
            case "Parallel" -> parallel(st);
            case "Map" -> map(st);
            default -> { }
        }
        retriers(st);
        catchers(st);
    }

    /** A state being checked, with the fields it may use in its query language. */
    private record State(String name, JsonNode node, String ptr, String type, Lang lang, Set<String> usable,
            Scope scope) {
        JsonNode get(String f) {
            return usable.contains(f) ? node.get(f) : null;
        }

        String at(String f) {
            return ptr + "/" + escape(f);
        }
    }

    private static String modeMessage(String f, Lang lang, String hint) {
        return "field \"" + f + "\" is not allowed when QueryLanguage is " + lang.label
                + (hint == null ? "" : " (use \"" + hint + "\")");
    }

    private static String jsonataHint(String f, String type, Fields fields) {
        return switch (f) {
            case "Parameters" -> type.equals("Map") ? "ItemSelector" : fields.jsonata().contains("Arguments") ? "Arguments" : "Output";
            case "InputPath" -> fields.jsonata().contains("Arguments") ? "Arguments" : "Output";
            case "ResultSelector", "ResultPath", "OutputPath", "Result" -> "Output";
            case "ItemsPath" -> "Items";
            case "Iterator" -> "ItemProcessor";
            default -> f.endsWith("Path") ? f.substring(0, f.length() - 4) : null;
        };
    }

    private static String jsonPathHint(String f) {
        return switch (f) {
            case "Arguments" -> "Parameters";
            case "Output" -> "OutputPath";
            case "Items" -> "ItemsPath";
            default -> null;
        };
    }

    private void nextOrEnd(State st) {
        JsonNode next = st.get("Next");
        JsonNode end = st.get("End");
        boolean ends = false;
        if (end != null) {
            if (!end.isBoolean()) {
                add(st.at("End"), "must be a boolean, was " + describe(end));
                st.scope().incomplete = true;
            } else {
                ends = end.booleanValue();
            }
        }
        if (next != null && ends) {
            add(st.ptr(), "fields \"Next\" and \"End\" are mutually exclusive");
        } else if (next == null && !ends && (end == null || end.isBoolean())) {
            add(st.ptr(), "must have \"Next\" or \"End\": true");
            st.scope().incomplete = true;
        }
        if (next != null) {
            transition(st.scope(), st.name(), next, st.at("Next"));
        }
        if (ends) {
            st.scope().terminals.add(st.name());
        }
    }

    private void task(State st) {
        JsonNode resource = st.get("Resource");
        if (resource == null) {
            add(st.ptr(), "missing required field \"Resource\"");
        } else if (!resource.isTextual()) {
            add(st.at("Resource"), "must be a URI string, was " + describe(resource));
        } else if (hasPlaceholder(resource.asText())) {
            if (!allowPlaceholders) {
                add(st.at("Resource"), "holds a template placeholder ${…}, which is substituted before deployment"
                        + " (SAM, CDK, Terraform); substitute it, or validate with placeholders allowed, was " + describe(resource));
            }
        } else if (!isUri(resource.asText())) {
            add(st.at("Resource"), "must be a URI, was " + describe(resource));
        }
        jsonataTemplateField(st, "Arguments");
        JsonNode creds = st.get("Credentials");
        if (creds != null) {
            if (!creds.isObject()) {
                add(st.at("Credentials"), "must be an object, was " + describe(creds));
            } else if (st.lang() == Lang.JSONPATH) {
                pathTemplate(creds, st.at("Credentials"), 0);
            } else {
                jsonata(creds, st.at("Credentials"), 0);
            }
        }
        Long timeout = seconds(st, "TimeoutSeconds", 1);
        Long heartbeat = seconds(st, "HeartbeatSeconds", 1);
        path(st, "TimeoutSecondsPath", false);
        path(st, "HeartbeatSecondsPath", false);
        exclusive(st, "TimeoutSeconds", "TimeoutSecondsPath");
        exclusive(st, "HeartbeatSeconds", "HeartbeatSecondsPath");
        if (timeout != null && heartbeat != null && heartbeat >= timeout) {
            add(st.at("HeartbeatSeconds"), "must be less than TimeoutSeconds (" + timeout + "), was " + heartbeat);
        }
    }

    /** A {@code ${name}} placeholder of a deployment template. */
    private static boolean hasPlaceholder(String text) {
        int open = text.indexOf("${");
        return open >= 0 && text.indexOf('}', open + 2) > open + 2;
    }

    private static boolean isUri(String text) {
        try {
            URI uri = new URI(text);
            return uri.getScheme() != null && !text.isBlank();
        } catch (URISyntaxException e) {
            return false;
        }
    }

    /** An integer number of seconds, or a JSONata expression in JSONata mode; returns the literal value. */
    private Long seconds(State st, String f, long min) {
        JsonNode v = st.get(f);
        if (v == null) {
            return null;
        }
        return intOrExpression(v, st.at(f), st.lang(), min, MAX_SECONDS);
    }

    private Long intOrExpression(JsonNode v, String p, Lang lang, long min, long max) {
        if (lang == Lang.JSONATA && v.isTextual() && Jsonata.isExpression(v.asText())) {
            jsonata(v, p, 0);
            return null;
        }
        if (lang == Lang.JSONATA && !v.isNumber()) {
            add(p, "must be an integer or a JSONata expression, was " + describe(v));
            return null;
        }
        return integer(v, p, min, max);
    }

    private void choice(State st) {
        JsonNode choices = st.get("Choices");
        if (choices == null) {
            add(st.ptr(), "missing required field \"Choices\"");
        } else if (!choices.isArray() || choices.isEmpty()) {
            add(st.at("Choices"), "must be a non-empty array of choice rules, was " + describe(choices));
        } else {
            for (int i = 0; i < choices.size(); i++) {
                rule(st, choices.get(i), st.at("Choices") + "/" + i, true, 0);
            }
        }
        JsonNode dflt = st.get("Default");
        if (dflt != null) {
            transition(st.scope(), st.name(), dflt, st.at("Default"));
        }
    }

    private void rule(State st, JsonNode r, String p, boolean top, int depth) {
        if (!r.isObject()) {
            add(p, "must be a choice rule object, was " + describe(r));
            return;
        }
        if (depth > Validator.MAX_DEPTH) {
            add(p, "is nested too deeply");
            return;
        }
        if (st.lang() == Lang.JSONATA) {
            for (Iterator<String> it = r.fieldNames(); it.hasNext(); ) {
                String f = it.next();
                if (!Set.of("Condition", "Next", "Comment", "Assign", "Output").contains(f)) {
                    if (OPERATORS.contains(f) || Set.of("Variable", "And", "Or", "Not").contains(f)) {
                        add(p + "/" + escape(f), modeMessage(f, Lang.JSONATA, "Condition"));
                    } else {
                        add(p + "/" + escape(f), "field \"" + abbreviate(f) + "\" is not allowed in a choice rule");
                    }
                }
            }
            string(r, p, "Comment");
            JsonNode cond = r.get("Condition");
            if (cond == null) {
                add(p, "missing required field \"Condition\"");
            } else if (cond.isTextual() && Jsonata.isExpression(cond.asText())) {
                jsonata(cond, p + "/Condition", 0);
            } else if (!cond.isBoolean()) {
                add(p + "/Condition", "must be a JSONata expression \"{% ... %}\" or a boolean, was " + describe(cond));
            }
            if (r.has("Output")) {
                jsonata(r.get("Output"), p + "/Output", 0);
            }
            assign(r.get("Assign"), p + "/Assign", Lang.JSONATA);
            ruleNext(st, r, p);
            return;
        }
        Set<String> ops = new LinkedHashSet<>();
        List<String> combinators = new ArrayList<>();
        for (Iterator<String> it = r.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            String fp = p + "/" + escape(f);
            if (OPERATORS.contains(f)) {
                ops.add(f);
            } else if (f.equals("And") || f.equals("Or") || f.equals("Not")) {
                combinators.add(f);
            } else if (f.equals("Variable") || f.equals("Comment")) {
                // checked below
            } else if (f.equals("Next") || f.equals("Assign")) {
                if (!top) {
                    add(fp, "field \"" + f + "\" is not allowed in a nested choice rule");
                }
            } else if (f.equals("Condition") || f.equals("Output")) {
                add(fp, modeMessage(f, Lang.JSONPATH, f.equals("Output") ? "OutputPath" : "Variable"));
            } else {
                add(fp, "field \"" + abbreviate(f) + "\" is not allowed in a choice rule");
            }
        }
        string(r, p, "Comment");
        if (top) {
            assign(r.get("Assign"), p + "/Assign", Lang.JSONPATH);
            ruleNext(st, r, p);
        }
        JsonNode variable = r.get("Variable");
        if (!combinators.isEmpty()) {
            if (combinators.size() > 1 || variable != null || !ops.isEmpty()) {
                List<String> all = new ArrayList<>(combinators);
                if (variable != null) {
                    all.add("Variable");
                }
                all.addAll(ops);
                add(p, "must have exactly one of \"And\", \"Or\", \"Not\" or a \"Variable\" comparison, had "
                        + quoteAll(all));
            }
            for (String c : combinators) {
                JsonNode v = r.get(c);
                String cp = p + "/" + c;
                if (c.equals("Not")) {
                    if (!v.isObject()) {
                        add(cp, "must be a choice rule object, was " + describe(v));
                    } else {
                        rule(st, v, cp, false, depth + 1);
                    }
                } else if (!v.isArray() || v.isEmpty()) {
                    add(cp, "must be a non-empty array of choice rules, was " + describe(v));
                } else {
                    for (int i = 0; i < v.size(); i++) {
                        rule(st, v.get(i), cp + "/" + i, false, depth + 1);
                    }
                }
            }
            return;
        }
        if (variable == null) {
            add(p, "missing required field \"Variable\"");
        } else if (!variable.isTextual()) {
            add(p + "/Variable", "must be a path string, was " + describe(variable));
        } else {
            compilePath(variable.asText(), p + "/Variable", false);
        }
        if (ops.isEmpty()) {
            add(p, "must have a comparison operator such as \"StringEquals\", or \"And\", \"Or\" or \"Not\"");
        } else if (ops.size() > 1) {
            add(p, "must have exactly one comparison operator, had " + quoteAll(ops));
        }
        for (String op : ops) {
            operator(op, r.get(op), p + "/" + escape(op));
        }
    }

    private void ruleNext(State st, JsonNode r, String p) {
        JsonNode next = r.get("Next");
        if (next == null) {
            add(p, "missing required field \"Next\"");
        } else {
            transition(st.scope(), st.name(), next, p + "/Next");
        }
    }

    private void operator(String op, JsonNode v, String p) {
        if (op.endsWith("Path")) {
            if (!v.isTextual()) {
                add(p, "must be a path string, was " + describe(v));
            } else {
                compilePath(v.asText(), p, false);
            }
        } else if (STRING_OPS.contains(op)) {
            if (!v.isTextual()) {
                add(p, "must be a string, was " + describe(v));
            }
        } else if (op.equals("StringMatches")) {
            if (!v.isTextual()) {
                add(p, "must be a string, was " + describe(v));
            } else {
                String bad = badEscape(v.asText());
                if (bad != null) {
                    add(p, "has an invalid escape " + bad + "; a backslash may only precede \"*\" or another backslash");
                }
            }
        } else if (NUMERIC_OPS.contains(op)) {
            if (!v.isNumber()) {
                add(p, "must be a number, was " + describe(v));
            }
        } else if (TIMESTAMP_OPS.contains(op)) {
            timestamp(v, p);
        } else if (!v.isBoolean()) {
            add(p, "must be a boolean, was " + describe(v));
        }
    }

    /** The first backslash escape in a StringMatches pattern other than {@code \*} and {@code \\}, or null. */
    private static String badEscape(String pattern) {
        for (int i = 0; i < pattern.length(); i++) {
            if (pattern.charAt(i) == '\\') {
                if (i + 1 >= pattern.length()) {
                    return "(a trailing backslash)";
                }
                char c = pattern.charAt(i + 1);
                if (c != '*' && c != '\\') {
                    return "\"\\" + c + "\"";
                }
                i++;
            }
        }
        return null;
    }

    private void timestamp(JsonNode v, String p) {
        if (!v.isTextual()) {
            add(p, "must be an RFC 3339 timestamp string, was " + describe(v));
        } else if (!isTimestamp(v.asText())) {
            add(p, "must be an RFC 3339 timestamp such as \"2016-03-14T01:59:00Z\", was " + describe(v));
        }
    }

    static boolean isTimestamp(String text) {
        if (!TIMESTAMP.matcher(text).matches()) {
            return false;
        }
        try {
            OffsetDateTime.parse(text, DateTimeFormatter.ISO_OFFSET_DATE_TIME);
            return true;
        } catch (DateTimeParseException e) {
            return false;
        }
    }

    private void waitState(State st) {
        List<String> present = new ArrayList<>();
        for (String f : List.of("Seconds", "Timestamp", "SecondsPath", "TimestampPath")) {
            if (st.get(f) != null) {
                present.add(f);
            }
        }
        if (present.isEmpty()) {
            add(st.ptr(), st.lang() == Lang.JSONATA
                    ? "must have exactly one of \"Seconds\" or \"Timestamp\""
                    : "must have exactly one of \"Seconds\", \"Timestamp\", \"SecondsPath\" or \"TimestampPath\"");
        } else if (present.size() > 1) {
            add(st.ptr(), "must have exactly one of \"Seconds\", \"Timestamp\", \"SecondsPath\" or \"TimestampPath\", had "
                    + quoteAll(present));
        }
        seconds(st, "Seconds", 0);
        JsonNode ts = st.get("Timestamp");
        if (ts != null) {
            if (st.lang() == Lang.JSONATA && ts.isTextual() && Jsonata.isExpression(ts.asText())) {
                jsonata(ts, st.at("Timestamp"), 0);
            } else {
                timestamp(ts, st.at("Timestamp"));
            }
        }
        path(st, "SecondsPath", false);
        path(st, "TimestampPath", false);
    }

    private void fail(State st) {
        for (String f : List.of("Error", "Cause")) {
            JsonNode v = st.get(f);
            if (v == null) {
                continue;
            }
            if (!v.isTextual()) {
                add(st.at(f), "must be a string, was " + describe(v));
            } else if (st.lang() == Lang.JSONATA && Jsonata.isExpression(v.asText())) {
                jsonata(v, st.at(f), 0);
            }
            JsonNode dyn = st.get(f + "Path");
            if (dyn != null) {
                add(st.ptr(), "fields \"" + f + "\" and \"" + f + "Path\" are mutually exclusive");
            }
        }
        for (String f : List.of("ErrorPath", "CausePath")) {
            JsonNode v = st.get(f);
            if (v == null) {
                continue;
            }
            if (!v.isTextual()) {
                add(st.at(f), "must be a path or an intrinsic function call, was " + describe(v));
            } else {
                pathOrIntrinsic(v.asText(), st.at(f));
            }
        }
    }

    private void parallel(State st) {
        jsonataTemplateField(st, "Arguments");
        JsonNode branches = st.get("Branches");
        if (branches == null) {
            add(st.ptr(), "missing required field \"Branches\"");
            return;
        }
        if (!branches.isArray() || branches.isEmpty()) {
            add(st.at("Branches"), "must be a non-empty array of branches, was " + describe(branches));
            return;
        }
        for (int i = 0; i < branches.size(); i++) {
            JsonNode b = branches.get(i);
            String bp = st.at("Branches") + "/" + i;
            if (!b.isObject()) {
                add(bp, "must be a branch object with \"StartAt\" and \"States\", was " + describe(b));
            } else {
                checkMachine(b, bp, MachineKind.BRANCH);
            }
        }
    }

    private void map(State st) {
        JsonNode processor = st.get("ItemProcessor");
        JsonNode iterator = st.get("Iterator");
        if (processor != null && iterator != null) {
            add(st.ptr(), "fields \"ItemProcessor\" and \"Iterator\" are mutually exclusive");
        } else if (processor == null && iterator == null) {
            add(st.ptr(), "missing required field \"ItemProcessor\"");
        }
        for (String f : List.of("ItemProcessor", "Iterator")) {
            JsonNode v = st.get(f);
            if (v == null) {
                continue;
            }
            if (!v.isObject()) {
                add(st.at(f), "must be an object with \"StartAt\" and \"States\", was " + describe(v));
            } else {
                checkMachine(v, st.at(f), MachineKind.PROCESSOR);
            }
        }
        path(st, "ItemsPath", false);
        JsonNode items = st.get("Items");
        if (items != null) {
            if (items.isTextual() && Jsonata.isExpression(items.asText())) {
                jsonata(items, st.at("Items"), 0);
            } else if (!items.isArray()) {
                add(st.at("Items"), "must be an array or a JSONata expression, was " + describe(items));
            } else {
                jsonata(items, st.at("Items"), 0);
            }
        }
        JsonNode selector = st.get("ItemSelector");
        if (selector != null) {
            if (st.lang() == Lang.JSONPATH) {
                payloadTemplate(st, "ItemSelector");
            } else {
                jsonataTemplateField(st, "ItemSelector");
            }
        }
        payloadTemplate(st, "Parameters");
        exclusive(st, "ItemSelector", "Parameters");
        countOrPath(st, "MaxConcurrency", 0, Long.MAX_VALUE);
        countOrPath(st, "ToleratedFailureCount", 0, Long.MAX_VALUE);
        JsonNode pct = st.get("ToleratedFailurePercentage");
        if (pct != null) {
            if (st.lang() == Lang.JSONATA && pct.isTextual() && Jsonata.isExpression(pct.asText())) {
                jsonata(pct, st.at("ToleratedFailurePercentage"), 0);
            } else if (!pct.isNumber()) {
                add(st.at("ToleratedFailurePercentage"), "must be a number from 0 to 100, was " + describe(pct));
            } else if (pct.doubleValue() < 0 || pct.doubleValue() > 100) {
                add(st.at("ToleratedFailurePercentage"), "must be between 0 and 100, was " + describe(pct));
            }
        }
        path(st, "ToleratedFailurePercentagePath", false);
        exclusive(st, "ToleratedFailurePercentage", "ToleratedFailurePercentagePath");
        JsonNode label = st.get("Label");
        if (label != null) {
            if (!label.isTextual()) {
                add(st.at("Label"), "must be a string, was " + describe(label));
            } else if (label.asText().codePointCount(0, label.asText().length()) > MAX_LABEL) {
                add(st.at("Label"), "must be at most " + MAX_LABEL + " characters, was "
                        + label.asText().codePointCount(0, label.asText().length()));
            } else if (label.asText().chars().anyMatch(c -> Character.isWhitespace(c) || Character.isISOControl(c))) {
                add(st.at("Label"), "must not contain whitespace or control characters, was " + describe(label));
            }
        }
        itemBatcher(st);
        itemReader(st);
        resultWriter(st);
    }

    private void countOrPath(State st, String f, long min, long max) {
        JsonNode v = st.get(f);
        if (v != null) {
            intOrExpression(v, st.at(f), st.lang(), min, max);
        }
        path(st, f + "Path", false);
        exclusive(st, f, f + "Path");
    }

    private void itemBatcher(State st) {
        JsonNode b = st.get("ItemBatcher");
        if (b == null) {
            return;
        }
        String p = st.at("ItemBatcher");
        if (!b.isObject()) {
            add(p, "must be an object, was " + describe(b));
            return;
        }
        Set<String> both = Set.of("MaxItemsPerBatch", "MaxInputBytesPerBatch", "BatchInput");
        Set<String> pathOnly = Set.of("MaxItemsPerBatchPath", "MaxInputBytesPerBatchPath");
        Set<String> usable = subFields(b, p, both, pathOnly, Set.of(), st.lang(), "ItemBatcher");
        boolean any = false;
        for (String f : List.of("MaxItemsPerBatch", "MaxInputBytesPerBatch")) {
            JsonNode v = usable.contains(f) ? b.get(f) : null;
            if (v != null) {
                any = true;
                intOrExpression(v, p + "/" + f, st.lang(), 1,
                        f.equals("MaxInputBytesPerBatch") ? MAX_BATCH_BYTES : Long.MAX_VALUE);
            }
            JsonNode path = usable.contains(f + "Path") ? b.get(f + "Path") : null;
            if (path != null) {
                any = true;
                referencePathValue(path, p + "/" + f + "Path");
                if (v != null) {
                    add(p, "fields \"" + f + "\" and \"" + f + "Path\" are mutually exclusive");
                }
            }
        }
        if (!any) {
            add(p, "must have at least one of \"MaxItemsPerBatch\" or \"MaxInputBytesPerBatch\""
                    + (st.lang() == Lang.JSONPATH ? " (or their \"...Path\" forms)" : ""));
        }
        JsonNode input = usable.contains("BatchInput") ? b.get("BatchInput") : null;
        if (input != null) {
            if (st.lang() == Lang.JSONPATH) {
                if (!input.isObject()) {
                    add(p + "/BatchInput", "must be an object, was " + describe(input));
                } else {
                    pathTemplate(input, p + "/BatchInput", 0);
                }
            } else {
                jsonata(input, p + "/BatchInput", 0);
            }
        }
    }

    private void itemReader(State st) {
        JsonNode r = st.get("ItemReader");
        if (r == null) {
            return;
        }
        String p = st.at("ItemReader");
        if (!r.isObject()) {
            add(p, "must be an object, was " + describe(r));
            return;
        }
        Set<String> usable = subFields(r, p, Set.of("Resource", "ReaderConfig"), Set.of("Parameters"),
                Set.of("Arguments"), st.lang(), "ItemReader");
        resourceField(r, p, usable, true);
        subTemplates(r, p, usable, st.lang());
        JsonNode cfg = usable.contains("ReaderConfig") ? r.get("ReaderConfig") : null;
        if (cfg == null) {
            return;
        }
        String cp = p + "/ReaderConfig";
        if (!cfg.isObject()) {
            add(cp, "must be an object, was " + describe(cfg));
            return;
        }
        Set<String> cu = subFields(cfg, cp, Set.of("InputType", "CSVHeaderLocation", "CSVHeaders", "CSVDelimiter",
                "MaxItems", "ManifestType"), Set.of("MaxItemsPath"), Set.of(), st.lang(), "ReaderConfig");
        if (cu.contains("InputType")) {
            oneOf(cfg.get("InputType"), cp + "/InputType", "CSV", "JSON", "JSONL", "MANIFEST", "PARQUET");
        }
        if (cu.contains("CSVHeaderLocation")) {
            oneOf(cfg.get("CSVHeaderLocation"), cp + "/CSVHeaderLocation", "FIRST_ROW", "GIVEN");
        }
        if (cu.contains("CSVDelimiter")) {
            oneOf(cfg.get("CSVDelimiter"), cp + "/CSVDelimiter", "COMMA", "PIPE", "SEMICOLON", "SPACE", "TAB");
        }
        if (cu.contains("ManifestType")) {
            oneOf(cfg.get("ManifestType"), cp + "/ManifestType", "ATHENA_DATA", "S3_INVENTORY");
        }
        JsonNode headers = cu.contains("CSVHeaders") ? cfg.get("CSVHeaders") : null;
        if (headers != null) {
            if (!headers.isArray() || headers.isEmpty()) {
                add(cp + "/CSVHeaders", "must be a non-empty array of strings, was " + describe(headers));
            } else {
                for (int i = 0; i < headers.size(); i++) {
                    if (!headers.get(i).isTextual()) {
                        add(cp + "/CSVHeaders/" + i, "must be a string, was " + describe(headers.get(i)));
                    }
                }
            }
        }
        JsonNode location = cfg.get("CSVHeaderLocation");
        if (location != null && "GIVEN".equals(location.asText()) && headers == null) {
            add(cp, "missing required field \"CSVHeaders\" (required when CSVHeaderLocation is GIVEN)");
        }
        if (cu.contains("MaxItems")) {
            intOrExpression(cfg.get("MaxItems"), cp + "/MaxItems", st.lang(), 0, 100_000_000L);
        }
        if (cu.contains("MaxItemsPath")) {
            referencePathValue(cfg.get("MaxItemsPath"), cp + "/MaxItemsPath");
            if (cu.contains("MaxItems")) {
                add(cp, "fields \"MaxItems\" and \"MaxItemsPath\" are mutually exclusive");
            }
        }
    }

    private void resultWriter(State st) {
        JsonNode w = st.get("ResultWriter");
        if (w == null) {
            return;
        }
        String p = st.at("ResultWriter");
        if (!w.isObject()) {
            add(p, "must be an object, was " + describe(w));
            return;
        }
        Set<String> usable = subFields(w, p, Set.of("Resource", "WriterConfig"), Set.of("Parameters"),
                Set.of("Arguments"), st.lang(), "ResultWriter");
        resourceField(w, p, usable, false);
        subTemplates(w, p, usable, st.lang());
        JsonNode cfg = usable.contains("WriterConfig") ? w.get("WriterConfig") : null;
        if (cfg != null) {
            String cp = p + "/WriterConfig";
            if (!cfg.isObject()) {
                add(cp, "must be an object, was " + describe(cfg));
            } else {
                Set<String> cu = subFields(cfg, cp, Set.of("OutputType", "Transformation"), Set.of(), Set.of(),
                        st.lang(), "WriterConfig");
                if (cu.contains("OutputType")) {
                    oneOf(cfg.get("OutputType"), cp + "/OutputType", "JSON", "JSONL");
                }
                if (cu.contains("Transformation")) {
                    oneOf(cfg.get("Transformation"), cp + "/Transformation", "NONE", "COMPACT", "FLATTEN");
                }
            }
        }
        if (!usable.contains("Resource") && cfg == null) {
            add(p, "must have \"Resource\" or \"WriterConfig\"");
        }
    }

    private void resourceField(JsonNode obj, String p, Set<String> usable, boolean required) {
        JsonNode res = usable.contains("Resource") ? obj.get("Resource") : null;
        if (res == null) {
            if (required && !obj.has("Resource")) {
                add(p, "missing required field \"Resource\"");
            }
        } else if (!res.isTextual() || !isUri(res.asText())) {
            add(p + "/Resource", "must be a URI, was " + describe(res));
        }
    }

    private void subTemplates(JsonNode obj, String p, Set<String> usable, Lang lang) {
        if (usable.contains("Parameters")) {
            JsonNode v = obj.get("Parameters");
            if (!v.isObject()) {
                add(p + "/Parameters", "must be an object, was " + describe(v));
            } else {
                pathTemplate(v, p + "/Parameters", 0);
            }
        }
        if (usable.contains("Arguments")) {
            JsonNode v = obj.get("Arguments");
            if (!v.isObject() && !(v.isTextual() && Jsonata.isExpression(v.asText()))) {
                add(p + "/Arguments", "must be an object or a JSONata expression, was " + describe(v));
            } else {
                jsonata(v, p + "/Arguments", 0);
            }
        }
    }

    /** Reports unknown and wrong-language fields of a nested object; returns the usable ones. */
    private Set<String> subFields(JsonNode obj, String p, Set<String> both, Set<String> pathOnly, Set<String> ataOnly,
            Lang lang, String what) {
        Set<String> usable = new HashSet<>();
        for (Iterator<String> it = obj.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            String fp = p + "/" + escape(f);
            if (both.contains(f)) {
                usable.add(f);
            } else if (pathOnly.contains(f)) {
                if (lang == Lang.JSONATA) {
                    add(fp, modeMessage(f, lang, f.equals("Parameters") ? "Arguments"
                            : f.equals("ResultPath") ? "Output"
                            : f.endsWith("Path") ? f.substring(0, f.length() - 4) : null));
                } else {
                    usable.add(f);
                }
            } else if (ataOnly.contains(f)) {
                if (lang == Lang.JSONPATH) {
                    add(fp, modeMessage(f, lang, jsonPathHint(f)));
                } else {
                    usable.add(f);
                }
            } else {
                add(fp, "field \"" + abbreviate(f) + "\" is not allowed in " + what);
            }
        }
        return usable;
    }

    // ---------------------------------------------------------------- Retry and Catch

    private void retriers(State st) {
        JsonNode retry = st.get("Retry");
        if (retry == null) {
            return;
        }
        String p = st.at("Retry");
        if (!retry.isArray()) {
            add(p, "must be an array of retriers, was " + describe(retry));
            return;
        }
        for (int i = 0; i < retry.size(); i++) {
            JsonNode r = retry.get(i);
            String rp = p + "/" + i;
            if (!r.isObject()) {
                add(rp, "must be a retrier object, was " + describe(r));
                continue;
            }
            allowOnly(r, rp, RETRIER_FIELDS, "a retrier");
            if (errorEquals(r, rp) && i != retry.size() - 1) {
                add(rp + "/ErrorEquals", "\"States.ALL\" may only appear in the last retrier");
            }
            string(r, rp, "Comment");
            if (r.has("IntervalSeconds")) {
                integer(r.get("IntervalSeconds"), rp + "/IntervalSeconds", 1, MAX_SECONDS);
            }
            if (r.has("MaxAttempts")) {
                integer(r.get("MaxAttempts"), rp + "/MaxAttempts", 0, MAX_SECONDS);
            }
            JsonNode rate = r.get("BackoffRate");
            if (rate != null) {
                if (!rate.isNumber()) {
                    add(rp + "/BackoffRate", "must be a number, was " + describe(rate));
                } else if (rate.doubleValue() < 1.0) {
                    add(rp + "/BackoffRate", "must be >= 1.0, was " + describe(rate));
                }
            }
            if (r.has("MaxDelaySeconds")) {
                integer(r.get("MaxDelaySeconds"), rp + "/MaxDelaySeconds", 1, MAX_DELAY_SECONDS);
            }
            if (r.has("JitterStrategy")) {
                oneOf(r.get("JitterStrategy"), rp + "/JitterStrategy", "FULL", "NONE");
            }
        }
    }

    private void catchers(State st) {
        JsonNode c = st.get("Catch");
        if (c == null) {
            return;
        }
        String p = st.at("Catch");
        if (!c.isArray()) {
            add(p, "must be an array of catchers, was " + describe(c));
            return;
        }
        for (int i = 0; i < c.size(); i++) {
            JsonNode r = c.get(i);
            String rp = p + "/" + i;
            if (!r.isObject()) {
                add(rp, "must be a catcher object, was " + describe(r));
                continue;
            }
            Set<String> usable = subFields(r, rp, Set.of("ErrorEquals", "Next", "Comment", "Assign"),
                    Set.of("ResultPath"), Set.of("Output"), st.lang(), "a catcher");
            if (errorEquals(r, rp) && i != c.size() - 1) {
                add(rp + "/ErrorEquals", "\"States.ALL\" may only appear in the last catcher");
            }
            string(r, rp, "Comment");
            JsonNode next = r.get("Next");
            if (next == null) {
                add(rp, "missing required field \"Next\"");
            } else {
                transition(st.scope(), st.name(), next, rp + "/Next");
            }
            if (usable.contains("ResultPath")) {
                resultPathValue(r.get("ResultPath"), rp + "/ResultPath");
            }
            if (usable.contains("Output")) {
                jsonata(r.get("Output"), rp + "/Output", 0);
            }
            assign(r.get("Assign"), rp + "/Assign", st.lang());
        }
    }

    /** Checks ErrorEquals; returns true when it names States.ALL. */
    private boolean errorEquals(JsonNode r, String p) {
        JsonNode ee = r.get("ErrorEquals");
        String ep = p + "/ErrorEquals";
        if (ee == null) {
            add(p, "missing required field \"ErrorEquals\"");
            return false;
        }
        if (!ee.isArray() || ee.isEmpty()) {
            add(ep, "must be a non-empty array of error names, was " + describe(ee));
            return false;
        }
        boolean all = false;
        for (int i = 0; i < ee.size(); i++) {
            JsonNode name = ee.get(i);
            if (!name.isTextual()) {
                add(ep + "/" + i, "must be a string, was " + describe(name));
            } else if (name.asText().equals(ErrorNames.ALL)) {
                all = true;
            }
            // Other names starting "States." are accepted, as Step Functions deploys them (a
            // published AWS sample raises and catches its own "States.…" errors).
        }
        if (all && ee.size() > 1) {
            add(ep, "\"States.ALL\" must be the only error name in its ErrorEquals");
        }
        return all;
    }

    // ---------------------------------------------------------------- paths and templates

    private void path(State st, String f, boolean nullable) {
        JsonNode v = st.get(f);
        if (v == null) {
            return;
        }
        if (v.isNull() && nullable) {
            return;
        }
        if (!v.isTextual()) {
            add(st.at(f), "must be a path string" + (nullable ? " or null" : "") + ", was " + describe(v));
            return;
        }
        compilePath(v.asText(), st.at(f), !nullable);
    }

    private void referencePathValue(JsonNode v, String p) {
        if (!v.isTextual()) {
            add(p, "must be a path string, was " + describe(v));
        } else {
            compilePath(v.asText(), p, true);
        }
    }

    private void resultPath(State st, String f) {
        JsonNode v = st.get(f);
        if (v != null) {
            resultPathValue(v, st.at(f));
        }
    }

    private void resultPathValue(JsonNode v, String p) {
        if (v.isNull()) {
            return;
        }
        if (!v.isTextual()) {
            add(p, "must be a reference path string or null, was " + describe(v));
            return;
        }
        String text = v.asText();
        if (text.startsWith("$$") || (text.length() > 1 && text.charAt(0) == '$'
                && (Character.isLetter(text.charAt(1)) || text.charAt(1) == '_'))) {
            add(p, "must be a path into the state input starting \"$\", was " + describe(v));
            return;
        }
        compilePath(text, p, true);
    }

    private void compilePath(String text, String p, boolean reference) {
        try {
            if (reference) {
                Paths.compileReference(text);
            } else {
                Paths.compile(text);
            }
        } catch (ExpressionSyntaxException e) {
            add(p, message(e));
        } catch (RuntimeException e) {
            add(p, "is not a valid path: " + describeText(text));
        }
    }

    private void pathOrIntrinsic(String text, String p) {
        if (Intrinsics.isCall(text)) {
            try {
                Intrinsics.parse(text);
            } catch (ExpressionSyntaxException e) {
                add(p, message(e));
            } catch (RuntimeException e) {
                add(p, "is not a valid intrinsic function call: " + describeText(text));
            }
        } else {
            compilePath(text, p, false);
        }
    }

    private void payloadTemplate(State st, String f) {
        JsonNode v = st.get(f);
        if (v == null) {
            return;
        }
        if (!v.isObject()) {
            add(st.at(f), "must be an object, was " + describe(v));
            return;
        }
        pathTemplate(v, st.at(f), 0);
    }

    /** A JSONPath payload template: fields ending ".$" hold paths or intrinsic calls, at any depth. */
    private void pathTemplate(JsonNode t, String p, int depth) {
        if (depth > Validator.MAX_DEPTH) {
            return;
        }
        if (t.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = t.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                String k = e.getKey();
                JsonNode v = e.getValue();
                String kp = p + "/" + escape(k);
                if (k.endsWith(".$")) {
                    String base = k.substring(0, k.length() - 2);
                    if (t.has(base)) {
                        add(kp, "field \"" + abbreviate(k) + "\" clashes with field \"" + abbreviate(base)
                                + "\" once \".$\" is removed");
                    }
                    if (!v.isTextual()) {
                        add(kp, "must be a path or an intrinsic function call (the field name ends \".$\"), was "
                                + describe(v));
                    } else {
                        pathOrIntrinsic(v.asText(), kp);
                    }
                } else {
                    pathTemplate(v, kp, depth + 1);
                }
            }
        } else if (t.isArray()) {
            for (int i = 0; i < t.size(); i++) {
                pathTemplate(t.get(i), p + "/" + i, depth + 1);
            }
        }
    }

    private void jsonataField(State st, String f) {
        JsonNode v = st.get(f);
        if (v != null) {
            jsonata(v, st.at(f), 0);
        }
    }

    private void jsonataTemplateField(State st, String f) {
        JsonNode v = st.get(f);
        if (v == null) {
            return;
        }
        if (!v.isObject() && !(v.isTextual() && Jsonata.isExpression(v.asText()))) {
            add(st.at(f), "must be an object or a JSONata expression, was " + describe(v));
            return;
        }
        jsonata(v, st.at(f), 0);
    }

    /** Compiles every {@code {% %}} string in a JSON value, reporting each at its own location. */
    private void jsonata(JsonNode t, String p, int depth) {
        if (depth > Validator.MAX_DEPTH) {
            return;
        }
        if (t.isTextual()) {
            if (Jsonata.isExpression(t.asText())) {
                try {
                    Jsonata.compileTemplate(TextNode.valueOf(t.asText()));
                } catch (ExpressionSyntaxException e) {
                    add(p, message(e));
                } catch (RuntimeException e) {
                    add(p, "is not a valid JSONata expression: " + describeText(t.asText()));
                }
            }
        } else if (t.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = t.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                jsonata(e.getValue(), p + "/" + escape(e.getKey()), depth + 1);
            }
        } else if (t.isArray()) {
            for (int i = 0; i < t.size(); i++) {
                jsonata(t.get(i), p + "/" + i, depth + 1);
            }
        }
    }

    private void assign(JsonNode a, String p, Lang lang) {
        if (a == null) {
            return;
        }
        if (!a.isObject()) {
            add(p, "must be an object of variable names and values, was " + describe(a));
            return;
        }
        Map<String, String> seen = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = a.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String k = e.getKey();
            String kp = p + "/" + escape(k);
            boolean dynamic = lang == Lang.JSONPATH && k.endsWith(".$");
            String name = dynamic ? k.substring(0, k.length() - 2) : k;
            String bad = badVariableName(name);
            if (bad != null) {
                add(kp, bad);
            } else if (seen.put(name, k) != null) {
                add(kp, "variable \"" + name + "\" is assigned twice");
            }
            if (lang == Lang.JSONATA) {
                jsonata(e.getValue(), kp, 0);
            } else if (dynamic) {
                if (!e.getValue().isTextual()) {
                    add(kp, "must be a path or an intrinsic function call (the field name ends \".$\"), was "
                            + describe(e.getValue()));
                } else {
                    pathOrIntrinsic(e.getValue().asText(), kp);
                }
            } else {
                pathTemplate(e.getValue(), kp, 0);
            }
        }
    }

    static String badVariableName(String name) {
        if (name.isEmpty()) {
            return "variable name must not be empty";
        }
        if (name.equals("states")) {
            return "variable name \"states\" is reserved";
        }
        int length = name.codePointCount(0, name.length());
        if (length > MAX_VARIABLE_NAME) {
            return "variable name must be at most " + MAX_VARIABLE_NAME + " characters, was " + length;
        }
        int first = name.codePointAt(0);
        boolean ok = Character.isLetter(first) || first == '_';
        for (int i = Character.charCount(first); ok && i < name.length(); ) {
            int c = name.codePointAt(i);
            ok = Character.isLetterOrDigit(c) || c == '_';
            i += Character.charCount(c);
        }
        if (!ok) {
            return "variable name \"" + abbreviate(name)
                    + "\" is not valid: it must start with a letter or \"_\" and contain only letters, digits and \"_\"";
        }
        return null;
    }

    // ---------------------------------------------------------------- small value checks

    private void string(State st, String f) {
        JsonNode v = st.get(f);
        if (v != null && !v.isTextual()) {
            add(st.at(f), "must be a string, was " + describe(v));
        }
    }

    private void string(JsonNode obj, String p, String f) {
        JsonNode v = obj.get(f);
        if (v != null && !v.isTextual()) {
            add(p + "/" + escape(f), "must be a string, was " + describe(v));
        }
    }

    /** Checks an integer in [min, max]; returns it when valid, else null. */
    private Long integer(JsonNode v, String p, long min, long max) {
        if (!v.isIntegralNumber()) {
            add(p, "must be an integer, was " + describe(v));
            return null;
        }
        if (!v.canConvertToLong() || v.longValue() < min) {
            add(p, (min == 1 ? "must be a positive integer" : "must be >= " + min) + ", was " + describe(v));
            return null;
        }
        if (v.longValue() > max) {
            add(p, "must be <= " + max + ", was " + describe(v));
            return null;
        }
        return v.longValue();
    }

    private void oneOf(JsonNode v, String p, String... allowed) {
        if (!v.isTextual() || !List.of(allowed).contains(v.asText())) {
            add(p, "must be one of " + String.join(", ", allowed) + ", was " + describe(v));
        }
    }

    private void allowOnly(JsonNode obj, String p, Set<String> allowed, String what) {
        for (Iterator<String> it = obj.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!allowed.contains(f)) {
                add(p + "/" + escape(f), "field \"" + abbreviate(f) + "\" is not allowed in " + what);
            }
        }
    }

    private void exclusive(State st, String a, String b) {
        if (st.get(a) != null && st.get(b) != null) {
            add(st.ptr(), "fields \"" + a + "\" and \"" + b + "\" are mutually exclusive");
        }
    }

    // ---------------------------------------------------------------- reporting

    private void add(String location, String message) {
        problems.add(new Problem(location, message));
    }

    private static String message(ExpressionSyntaxException e) {
        String m = e.getMessage();
        return m == null || m.isBlank() ? "is not a valid expression" : m;
    }

    /** Problems sorted by where their location first appears in the document (stable). */
    private List<Problem> sorted() {
        Map<String, Integer> order = new HashMap<>();
        Deque<Map.Entry<String, JsonNode>> stack = new ArrayDeque<>();
        stack.push(Map.entry("", root));
        int index = 0;
        while (!stack.isEmpty()) {
            Map.Entry<String, JsonNode> e = stack.pop();
            order.put(e.getKey(), index++);
            JsonNode n = e.getValue();
            List<Map.Entry<String, JsonNode>> children = new ArrayList<>();
            if (n.isObject()) {
                n.fields().forEachRemaining(c -> children.add(Map.entry(e.getKey() + "/" + escape(c.getKey()), c.getValue())));
            } else if (n.isArray()) {
                for (int i = 0; i < n.size(); i++) {
                    children.add(Map.entry(e.getKey() + "/" + i, n.get(i)));
                }
            }
            for (int i = children.size() - 1; i >= 0; i--) {
                stack.push(children.get(i));
            }
        }
        List<Problem> result = new ArrayList<>(problems);
        result.sort(Comparator.comparingInt(pr -> position(order, pr.location())));
        return List.copyOf(result);
    }

    private static int position(Map<String, Integer> order, String location) {
        String l = location;
        while (true) {
            Integer i = order.get(l);
            if (i != null) {
                return i;
            }
            int slash = l.lastIndexOf('/');
            if (slash < 0) {
                return Integer.MAX_VALUE;
            }
            l = l.substring(0, slash);
        }
    }

    /** Maximum nesting depth, computed without recursion. */
    private static int depth(JsonNode node) {
        int max = 0;
        Deque<Map.Entry<JsonNode, Integer>> stack = new ArrayDeque<>();
        stack.push(Map.entry(node, 1));
        while (!stack.isEmpty()) {
            Map.Entry<JsonNode, Integer> e = stack.pop();
            int d = e.getValue();
            if (d > max) {
                max = d;
                if (max > Validator.MAX_DEPTH) {
                    return max;
                }
            }
            if (e.getKey().isContainerNode()) {
                for (JsonNode child : e.getKey()) {
                    stack.push(Map.entry(child, d + 1));
                }
            }
        }
        return max;
    }

    static String escape(String key) {
        return key.replace("~", "~0").replace("/", "~1");
    }

    static String describe(JsonNode v) {
        if (v == null || v.isNull()) {
            return "null";
        }
        if (v.isTextual()) {
            return describeText(v.asText());
        }
        if (v.isObject()) {
            return "an object";
        }
        if (v.isArray()) {
            return v.isEmpty() ? "an empty array" : "an array";
        }
        String s = v.asText();
        return s.length() > 60 ? s.substring(0, 60) + "…" : s;
    }

    static String describeText(String s) {
        String shown = s.length() > 60 ? s.substring(0, 60) + "…" : s;
        return "\"" + shown.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    static String abbreviate(String s) {
        return s.length() > 60 ? s.substring(0, 60) + "…" : s;
    }

    private static String quoteAll(Iterable<String> names) {
        List<String> q = new ArrayList<>();
        names.forEach(n -> q.add("\"" + n + "\""));
        return String.join(", ", q);
    }
}
