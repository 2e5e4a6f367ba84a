package dev.setlist.asl.internal.jsonata;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.setlist.asl.Entropy;
import dev.setlist.asl.internal.expr.ExpressionSyntaxException;
import dev.setlist.asl.internal.expr.Scope;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * JSONata as the States language uses it: {@code "{% expression %}"} strings inside JSON templates.
 *
 * <p>Evaluation follows Step Functions (JSONata 2.0): {@code $states} is bound to the states
 * object, each workflow variable to {@code $name}, and there is no context item ({@code $} is
 * undefined). The functions Step Functions adds ({@code $partition}, {@code $range},
 * {@code $hash}, {@code $random}, {@code $uuid}, {@code $parse}) are available, {@code $eval}
 * is not, and {@code $now()}/{@code $millis()} answer the time in
 * {@code $states.context.State.EnteredTime} (else {@code Execution.StartTime}) rather than a
 * clock, so that evaluation is repeatable.
 *
 * <p>Every expression must produce a value: one that evaluates to undefined, at any depth of a
 * template, fails with {@code States.QueryEvaluationError} ("... returned nothing
 * (undefined)"), as Step Functions does. JSON null is a value and is kept. A library error
 * (a type error, a failed function, a call of an unknown function) fails the same way, with
 * the library's message.
 *
 * <p>The values a template answers may share nodes with the template and with the inputs
 * ({@code states} and the variables); callers must treat them as read-only.
 */
public final class Jsonata {
    private Jsonata() {}

    /** True when {@code text} is a JSONata expression string: it starts with "{%" and ends with "%}". */
    public static boolean isExpression(String text) {
        return text != null && text.startsWith("{%") && text.endsWith("%}") && text.length() >= 4;
    }

    /** Compiles a JSON value in which any string may be a {@code {% %}} expression, at any depth. */
    public static Template compileTemplate(JsonNode template) throws ExpressionSyntaxException {
        return compileTemplate(template, "");
    }

    /**
     * Compiles a template written in the state field {@code field} (such as {@code "Output"} or
     * {@code "Arguments"}); failures name the location of the expression below that field,
     * the way Step Functions does: {@code Arguments/Input/items[2]}.
     */
    public static Template compileTemplate(JsonNode template, String field) throws ExpressionSyntaxException {
        if (template == null) {
            throw new IllegalArgumentException("template is null");
        }
        Node root = compile(template.deepCopy(), field == null ? "" : field);
        return new CompiledTemplate(root);
    }

    /**
     * Compiles one {@code "{% expression %}"} string, for fields that hold a single expression
     * (a Choice rule's {@code Condition}, {@code Items}, {@code TimeoutSeconds}, ...).
     *
     * @throws IllegalArgumentException when {@code text} is not an expression string
     */
    public static Template compileExpression(String text, String field) throws ExpressionSyntaxException {
        if (!isExpression(text)) {
            throw new IllegalArgumentException("not a JSONata expression string: " + text);
        }
        return new CompiledTemplate(new ExpressionNode(Expression.compile(text, field == null ? "" : field)));
    }

    private static Node compile(JsonNode node, String location) throws ExpressionSyntaxException {
        if (node.isTextual() && isExpression(node.textValue())) {
            return new ExpressionNode(Expression.compile(node.textValue(), location));
        }
        if (node.isObject()) {
            List<String> names = new ArrayList<>(node.size());
            List<Node> values = new ArrayList<>(node.size());
            boolean literal = true;
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> field = it.next();
                Node value = compile(field.getValue(), location.isEmpty() ? field.getKey() : location + "/" + field.getKey());
                names.add(field.getKey());
                values.add(value);
                literal &= value instanceof LiteralNode;
            }
            return literal ? new LiteralNode(node) : new ObjectTemplate(names.toArray(String[]::new), values.toArray(Node[]::new));
        }
        if (node.isArray()) {
            List<Node> elements = new ArrayList<>(node.size());
            boolean literal = true;
            for (int i = 0; i < node.size(); i++) {
                Node element = compile(node.get(i), location + "[" + i + "]");
                elements.add(element);
                literal &= element instanceof LiteralNode;
            }
            return literal ? new LiteralNode(node) : new ArrayTemplate(elements.toArray(Node[]::new));
        }
        return new LiteralNode(node);
    }

    /** A compiled part of a template. */
    private sealed interface Node permits LiteralNode, ExpressionNode, ObjectTemplate, ArrayTemplate {
        JsonNode evaluate(Evaluation evaluation);
    }

    /** A sub-tree with no expression in it: answered as it is, never copied. */
    private record LiteralNode(JsonNode value) implements Node {
        @Override
        public JsonNode evaluate(Evaluation evaluation) {
            return value;
        }
    }

    private record ExpressionNode(Expression expression) implements Node {
        @Override
        public JsonNode evaluate(Evaluation evaluation) {
            return expression.evaluate(evaluation);
        }
    }

    private record ObjectTemplate(String[] names, Node[] values) implements Node {
        @Override
        public JsonNode evaluate(Evaluation evaluation) {
            ObjectNode object = JsonNodeFactory.instance.objectNode();
            for (int i = 0; i < names.length; i++) {
                object.set(names[i], values[i].evaluate(evaluation));
            }
            return object;
        }
    }

    private record ArrayTemplate(Node[] elements) implements Node {
        @Override
        public JsonNode evaluate(Evaluation evaluation) {
            ArrayNode array = JsonNodeFactory.instance.arrayNode(elements.length);
            for (Node element : elements) {
                array.add(element.evaluate(evaluation));
            }
            return array;
        }
    }

    private static final class CompiledTemplate implements Template {
        private final Node root;

        CompiledTemplate(Node root) {
            this.root = root;
        }

        @Override
        public String source() {
            return root instanceof ExpressionNode e ? e.expression().source : null;
        }

        @Override
        public JsonNode evaluate(JsonNode states, Scope.Variables variables, Entropy entropy) {
            if (root instanceof LiteralNode literal) {
                return literal.value();
            }
            Evaluation evaluation = new Evaluation(states, variables, entropy);
            Evaluation previous = evaluation.enter();
            try {
                return root.evaluate(evaluation);
            } finally {
                Evaluation.restore(previous);
            }
        }
    }
}
