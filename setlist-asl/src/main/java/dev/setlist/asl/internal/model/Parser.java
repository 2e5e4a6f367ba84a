package dev.setlist.asl.internal.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.setlist.asl.Problem;
import dev.setlist.asl.internal.expr.ExpressionSyntaxException;
import dev.setlist.asl.internal.intrinsic.Intrinsics;
import dev.setlist.asl.internal.jsonata.Jsonata;
import dev.setlist.asl.internal.model.State.Catcher;
import dev.setlist.asl.internal.model.State.Io;
import dev.setlist.asl.internal.model.State.Machine;
import dev.setlist.asl.internal.model.State.ResultPath;
import dev.setlist.asl.internal.model.State.Retrier;
import dev.setlist.asl.internal.path.Paths;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds the compiled model from a definition the validator accepted. Every path, intrinsic
 * and JSONata expression is compiled here, once. Should the validator have let something
 * through, the parser reports it as a {@link Problem} rather than failing later at run time.
 */
public final class Parser {

    /** Thrown when a definition cannot be compiled; carries the located problem. */
    public static final class CompileException extends Exception {
        private final transient Problem problem;

        CompileException(Problem problem) {
            super(problem.toString(), null, false, false);
            this.problem = problem;
        }

        public Problem problem() {
            return problem;
        }
    }

    private Parser() {}

    public static Machine parse(JsonNode definition) throws CompileException {
        QueryLanguage top = QueryLanguage.of(text(definition, "QueryLanguage"), QueryLanguage.JSONPATH);
        return machine(definition, "", top);
    }

    private static Machine machine(JsonNode node, String at, QueryLanguage language) throws CompileException {
        Map<String, State> states = new LinkedHashMap<>();
        JsonNode statesNode = node.get("States");
        if (statesNode == null || !statesNode.isObject()) {
            throw problem(at + "/States", "must be an object of states");
        }
        Iterator<Map.Entry<String, JsonNode>> it = statesNode.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            String loc = at + "/States/" + escape(e.getKey());
            states.put(e.getKey(), state(e.getKey(), e.getValue(), loc, language));
        }
        String startAt = text(node, "StartAt");
        if (startAt == null || !states.containsKey(startAt)) {
            throw problem(at + "/StartAt", "no state named \"" + startAt + "\"");
        }
        return new Machine(startAt, Map.copyOf(states), language);
    }

    private static State state(String name, JsonNode s, String at, QueryLanguage inherited) throws CompileException {
        String type = text(s, "Type");
        QueryLanguage lang = QueryLanguage.of(text(s, "QueryLanguage"), inherited);
        Io io = io(s, at, lang);
        String next = text(s, "Next");
        if (type == null) {
            throw problem(at + "/Type", "is required");
        }
        return switch (type) {
            case "Pass" -> new State.Pass(name, lang, io, next, s.get("Result"));
            case "Task" -> new State.Task(name, lang, io, next, text(s, "Resource"),
                    number(s, "TimeoutSeconds", "TimeoutSecondsPath", at, lang),
                    number(s, "HeartbeatSeconds", "HeartbeatSecondsPath", at, lang),
                    s.has("Credentials") ? template(s.get("Credentials"), at + "/Credentials", lang) : null,
                    retriers(s, at), catchers(s, at, lang));
            case "Choice" -> choice(name, s, at, lang, io);
            case "Wait" -> new State.Wait(name, lang, io, next,
                    number(s, "Seconds", "SecondsPath", at, lang),
                    number(s, "Timestamp", "TimestampPath", at, lang));
            case "Succeed" -> new State.Succeed(name, lang, io);
            case "Fail" -> new State.Fail(name, lang, io,
                    stringish(s, "Error", "ErrorPath", at, lang), stringish(s, "Cause", "CausePath", at, lang));
            case "Parallel" -> {
                List<Machine> branches = new ArrayList<>();
                JsonNode b = s.path("Branches");
                for (int i = 0; i < b.size(); i++) {
                    branches.add(machine(b.get(i), at + "/Branches/" + i, lang));
                }
                yield new State.Parallel(name, lang, io, next, List.copyOf(branches), retriers(s, at), catchers(s, at, lang));
            }
            case "Map" -> map(name, s, at, lang, io, next);
            default -> throw problem(at + "/Type", "unknown state type \"" + type + "\"");
        };
    }

    private static State.Choice choice(String name, JsonNode s, String at, QueryLanguage lang, Io io) throws CompileException {
        List<State.Choice.Branch> branches = new ArrayList<>();
        JsonNode choices = s.path("Choices");
        for (int i = 0; i < choices.size(); i++) {
            JsonNode c = choices.get(i);
            String loc = at + "/Choices/" + i;
            branches.add(new State.Choice.Branch(rule(c, loc, lang), text(c, "Next"),
                    c.has("Assign") ? assign(c.get("Assign"), loc + "/Assign", lang) : null,
                    c.has("Output") ? template(c.get("Output"), loc + "/Output", lang) : null));
        }
        return new State.Choice(name, lang, io, List.copyOf(branches), text(s, "Default"), null);
    }

    private static ChoiceRule rule(JsonNode c, String at, QueryLanguage lang) throws CompileException {
        if (c.has("Condition")) {
            JsonNode cond = c.get("Condition");
            if (cond.isBoolean()) {
                return new ChoiceRule.Condition(cond.asText(), (states, vars, entropy) -> cond);
            }
            try {
                return new ChoiceRule.Condition(cond.asText(), Jsonata.compileTemplate(cond));
            } catch (ExpressionSyntaxException e) {
                throw problem(at + "/Condition", e.getMessage());
            }
        }
        if (c.has("And") || c.has("Or")) {
            String op = c.has("And") ? "And" : "Or";
            List<ChoiceRule> rules = new ArrayList<>();
            JsonNode list = c.get(op);
            for (int i = 0; i < list.size(); i++) {
                rules.add(rule(list.get(i), at + "/" + op + "/" + i, lang));
            }
            return op.equals("And") ? new ChoiceRule.And(List.copyOf(rules)) : new ChoiceRule.Or(List.copyOf(rules));
        }
        if (c.has("Not")) {
            return new ChoiceRule.Not(rule(c.get("Not"), at + "/Not", lang));
        }
        String variable = text(c, "Variable");
        Iterator<String> names = c.fieldNames();
        while (names.hasNext()) {
            String field = names.next();
            boolean isPath = field.endsWith("Path") && !field.equals("Variable");
            String opName = isPath ? field.substring(0, field.length() - 4) : field;
            ChoiceRule.Operator op = ChoiceRule.Operator.byField(opName);
            if (op == null) {
                continue;
            }
            try {
                var var = Paths.compile(variable);
                if (isPath) {
                    return new ChoiceRule.Comparison(var, op, null, Paths.compile(c.get(field).asText()));
                }
                return new ChoiceRule.Comparison(var, op, c.get(field), null);
            } catch (ExpressionSyntaxException e) {
                throw problem(at + "/" + (isPath ? field : "Variable"), e.getMessage());
            }
        }
        throw problem(at, "a choice rule needs a comparison operator, And, Or, Not or Condition");
    }

    private static State.MapState map(String name, JsonNode s, String at, QueryLanguage lang, Io io, String next)
            throws CompileException {
        JsonNode processorNode = s.has("ItemProcessor") ? s.get("ItemProcessor") : s.get("Iterator");
        String procAt = at + (s.has("ItemProcessor") ? "/ItemProcessor" : "/Iterator");
        if (processorNode == null) {
            throw problem(at, "a Map state needs an ItemProcessor");
        }
        Machine processor = machine(processorNode, procAt, lang);
        JsonNode config = processorNode.path("ProcessorConfig");
        boolean distributed = "DISTRIBUTED".equals(config.path("Mode").asText("INLINE"));
        String executionType = config.path("ExecutionType").asText(distributed ? "STANDARD" : null);

        Expr items;
        if (lang == QueryLanguage.JSONATA) {
            items = s.has("Items") ? template(s.get("Items"), at + "/Items", lang) : null;
        } else {
            items = s.has("ItemsPath") ? pathExpr(s.get("ItemsPath").asText(), at + "/ItemsPath") : null;
        }
        Expr selector = null;
        if (s.has("ItemSelector")) {
            selector = template(s.get("ItemSelector"), at + "/ItemSelector", lang);
        } else if (s.has("Parameters") && lang == QueryLanguage.JSONPATH) {
            selector = template(s.get("Parameters"), at + "/Parameters", lang);
        }
        State.MapState.Batcher batcher = null;
        if (s.has("ItemBatcher")) {
            JsonNode b = s.get("ItemBatcher");
            String bat = at + "/ItemBatcher";
            batcher = new State.MapState.Batcher(
                    number(b, "MaxItemsPerBatch", "MaxItemsPerBatchPath", bat, lang),
                    number(b, "MaxInputBytesPerBatch", "MaxInputBytesPerBatchPath", bat, lang),
                    b.has("BatchInput") ? template(b.get("BatchInput"), bat + "/BatchInput", lang) : null);
        }
        State.MapState.Reader reader = null;
        if (s.has("ItemReader")) {
            JsonNode r = s.get("ItemReader");
            String rat = at + "/ItemReader";
            JsonNode readerConfig = r.path("ReaderConfig");
            reader = new State.MapState.Reader(text(r, "Resource"), params(r, rat, lang), readerConfig,
                    number(readerConfig, "MaxItems", "MaxItemsPath", rat + "/ReaderConfig", lang));
        }
        State.MapState.Writer writer = null;
        if (s.has("ResultWriter")) {
            JsonNode w = s.get("ResultWriter");
            writer = new State.MapState.Writer(text(w, "Resource"), params(w, at + "/ResultWriter", lang), w.path("WriterConfig"));
        }
        // Parameters of the legacy form are the item selector, not the Map's own parameters.
        Io mapIo = new Io(io.inputPath(), null, io.resultSelector(), io.resultPath(), io.outputPath(),
                io.arguments(), io.output(), io.assign());
        return new State.MapState(name, lang, mapIo, next, processor, distributed, executionType, items, selector,
                batcher, reader, writer,
                number(s, "MaxConcurrency", "MaxConcurrencyPath", at, lang),
                number(s, "ToleratedFailurePercentage", "ToleratedFailurePercentagePath", at, lang),
                number(s, "ToleratedFailureCount", "ToleratedFailureCountPath", at, lang),
                text(s, "Label"), retriers(s, at), catchers(s, at, lang));
    }

    private static Expr params(JsonNode node, String at, QueryLanguage lang) throws CompileException {
        String field = lang == QueryLanguage.JSONATA ? "Arguments" : "Parameters";
        if (!node.has(field)) {
            return null;
        }
        return template(node.get(field), at + "/" + field, lang);
    }

    private static Io io(JsonNode s, String at, QueryLanguage lang) throws CompileException {
        Expr assign = s.has("Assign") ? assign(s.get("Assign"), at + "/Assign", lang) : null;
        if (lang == QueryLanguage.JSONATA) {
            return new Io(null, null, null, ResultPath.DEFAULT, null,
                    s.has("Arguments") ? template(s.get("Arguments"), at + "/Arguments", lang) : null,
                    s.has("Output") ? template(s.get("Output"), at + "/Output", lang) : null, assign);
        }
        return new Io(optionalPath(s, "InputPath", at),
                s.has("Parameters") ? template(s.get("Parameters"), at + "/Parameters", lang) : null,
                s.has("ResultSelector") ? template(s.get("ResultSelector"), at + "/ResultSelector", lang) : null,
                resultPath(s, at), optionalPath(s, "OutputPath", at), null, null, assign);
    }

    private static Expr assign(JsonNode node, String at, QueryLanguage lang) throws CompileException {
        return template(node, at, lang);
    }

    /** InputPath/OutputPath: absent = identity (null), JSON null = discard ({}), else a path. */
    private static Expr optionalPath(JsonNode s, String field, String at) throws CompileException {
        if (!s.has(field)) {
            return null;
        }
        JsonNode v = s.get(field);
        if (v.isNull()) {
            return new Expr.Literal(JsonNodeFactory.instance.objectNode());
        }
        return pathExpr(v.asText(), at + "/" + field);
    }

    private static ResultPath resultPath(JsonNode s, String at) throws CompileException {
        if (!s.has("ResultPath")) {
            return ResultPath.DEFAULT;
        }
        JsonNode v = s.get("ResultPath");
        if (v.isNull()) {
            return ResultPath.DISCARD;
        }
        try {
            var p = Paths.compileReference(v.asText());
            return v.asText().equals("$") ? ResultPath.DEFAULT : new ResultPath(p, false);
        } catch (ExpressionSyntaxException e) {
            throw problem(at + "/ResultPath", e.getMessage());
        }
    }

    private static List<Retrier> retriers(JsonNode s, String at) {
        List<Retrier> out = new ArrayList<>();
        for (JsonNode r : s.path("Retry")) {
            out.add(new Retrier(strings(r.path("ErrorEquals")), r.path("IntervalSeconds").asInt(1),
                    r.path("MaxAttempts").asInt(3), r.path("BackoffRate").asDouble(2.0),
                    r.has("MaxDelaySeconds") ? r.get("MaxDelaySeconds").asInt() : null,
                    "FULL".equals(r.path("JitterStrategy").asText("NONE"))));
        }
        return List.copyOf(out);
    }

    private static List<Catcher> catchers(JsonNode s, String at, QueryLanguage lang) throws CompileException {
        List<Catcher> out = new ArrayList<>();
        JsonNode list = s.path("Catch");
        for (int i = 0; i < list.size(); i++) {
            JsonNode c = list.get(i);
            String loc = at + "/Catch/" + i;
            out.add(new Catcher(strings(c.path("ErrorEquals")), text(c, "Next"),
                    lang == QueryLanguage.JSONPATH ? resultPath(c, loc) : ResultPath.DEFAULT,
                    c.has("Output") ? template(c.get("Output"), loc + "/Output", lang) : null,
                    c.has("Assign") ? assign(c.get("Assign"), loc + "/Assign", lang) : null));
        }
        return List.copyOf(out);
    }

    /** A field that is a number (or JSONata expression), or its {@code …Path} twin. */
    private static Expr number(JsonNode s, String field, String pathField, String at, QueryLanguage lang) throws CompileException {
        if (s.has(field)) {
            return template(s.get(field), at + "/" + field, lang);
        }
        if (pathField != null && s.has(pathField)) {
            return pathExpr(s.get(pathField).asText(), at + "/" + pathField);
        }
        return null;
    }

    /** Fail's Error and Cause: a string (or JSONata), or a path / intrinsic in the …Path twin. */
    private static Expr stringish(JsonNode s, String field, String pathField, String at, QueryLanguage lang) throws CompileException {
        if (s.has(field)) {
            return template(s.get(field), at + "/" + field, lang);
        }
        if (s.has(pathField)) {
            String text = s.get(pathField).asText();
            try {
                if (Intrinsics.isCall(text)) {
                    return new Expr.IntrinsicExpr(Intrinsics.parse(text));
                }
                return new Expr.PathExpr(Paths.compile(text));
            } catch (ExpressionSyntaxException e) {
                throw problem(at + "/" + pathField, e.getMessage());
            }
        }
        return null;
    }

    private static Expr pathExpr(String text, String at) throws CompileException {
        try {
            return new Expr.PathExpr(Paths.compile(text));
        } catch (ExpressionSyntaxException e) {
            throw problem(at, e.getMessage());
        }
    }

    /** A template in the state's language: a JSONPath payload or a JSONata template. */
    private static Expr template(JsonNode node, String at, QueryLanguage lang) throws CompileException {
        try {
            if (lang == QueryLanguage.JSONATA) {
                if (!containsExpression(node)) {
                    return new Expr.Literal(node);
                }
                return new Expr.JsonataExpr(Jsonata.compileTemplate(node, fieldOf(at)));
            }
            Payload payload = Payload.compile(node);
            return payload instanceof Payload.Literal ? new Expr.Literal(node) : new Expr.PayloadExpr(payload);
        } catch (ExpressionSyntaxException e) {
            throw problem(at, e.getMessage());
        }
    }

    /** The state field a location ends in ({@code /States/X/Output} → {@code Output}), as causes name it. */
    private static String fieldOf(String at) {
        String last = at.substring(at.lastIndexOf('/') + 1);
        return last.replace("~1", "/").replace("~0", "~");
    }

    private static boolean containsExpression(JsonNode node) {
        if (node.isTextual()) {
            return Jsonata.isExpression(node.textValue());
        }
        for (JsonNode child : node) {
            if (containsExpression(child)) {
                return true;
            }
        }
        return false;
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        for (JsonNode n : array) {
            out.add(n.asText());
        }
        return List.copyOf(out);
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    static String escape(String name) {
        return name.replace("~", "~0").replace("/", "~1");
    }

    private static CompileException problem(String location, String message) {
        return new CompileException(new Problem(location, message));
    }
}
