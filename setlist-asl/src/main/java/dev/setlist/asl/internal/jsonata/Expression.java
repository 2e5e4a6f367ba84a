package dev.setlist.asl.internal.jsonata;

import com.dashjoin.jsonata.JException;
import com.dashjoin.jsonata.Jsonata.EntryCallback;
import com.dashjoin.jsonata.Jsonata.ExitCallback;
import com.dashjoin.jsonata.Jsonata.Frame;
import com.dashjoin.jsonata.Jsonata.JFunction;
import com.fasterxml.jackson.databind.JsonNode;
import dev.setlist.asl.ErrorNames;
import dev.setlist.asl.StatesException;
import dev.setlist.asl.internal.expr.ExpressionSyntaxException;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * One compiled {@code {% %}} expression.
 *
 * <p>Thread safety: the library's compiled object keeps its functions in a frame that is
 * written here, before the expression is published through final fields, and only read
 * afterwards. Every evaluation passes its own bindings frame ({@code $states}, the variables
 * the expression names, the depth guard), from which the library builds a fresh execution
 * frame; the library keeps the rest of its evaluation state in a per-thread instance. So one
 * compiled expression may be evaluated by many threads at once without a lock.
 */
final class Expression {
    /** How deeply one evaluation may nest, as in Step Functions. */
    static final int MAX_DEPTH = 100;

    final String text;
    final String source;
    final String field;
    private final com.dashjoin.jsonata.Jsonata compiled;
    private final String[] variableNames;

    private Expression(String text, String source, String field, com.dashjoin.jsonata.Jsonata compiled,
            String[] variableNames) {
        this.text = text;
        this.source = source;
        this.field = field;
        this.compiled = compiled;
        this.variableNames = variableNames;
    }

    /** Compiles {@code text}, which is a whole {@code "{% expression %}"} string. */
    static Expression compile(String text, String field) throws ExpressionSyntaxException {
        String source = text.substring(2, text.length() - 2).trim();
        if (source.isEmpty()) {
            throw new ExpressionSyntaxException("The JSONata expression '" + text + "'" + where(field)
                    + " is empty.");
        }
        com.dashjoin.jsonata.Jsonata compiled;
        try {
            compiled = com.dashjoin.jsonata.Jsonata.jsonata(source);
        } catch (JException e) {
            throw new ExpressionSyntaxException("JSONata syntax error in '" + text + "'" + where(field) + ": "
                    + plain(e) + ".");
        } catch (RuntimeException e) {
            throw new ExpressionSyntaxException("JSONata syntax error in '" + text + "'" + where(field) + ": "
                    + e.getMessage() + ".");
        }
        if (compiled.getErrors() != null && !compiled.getErrors().isEmpty()) {
            Exception first = compiled.getErrors().get(0);
            throw new ExpressionSyntaxException("JSONata syntax error in '" + text + "'" + where(field) + ": "
                    + (first instanceof JException j ? plain(j) : first.getMessage()) + ".");
        }
        compiled.setValidateInput(false);
        compiled.setOutputConvertNulls(false);
        for (Map.Entry<String, JFunction> function : StepFunctionsFunctions.create().entrySet()) {
            compiled.registerFunction(function.getKey(), function.getValue());
        }
        // Step Functions offers $parse instead of $eval; an $eval call fails as a call of nothing.
        compiled.assign("eval", null);
        return new Expression(text, source, field, compiled, variableNames(source));
    }

    private static String where(String field) {
        return field == null || field.isEmpty() ? "" : " (field '" + field + "')";
    }

    /** The library's message with its code and position, without a trailing period. */
    static String plain(JException e) {
        String message = e.getMessage() == null ? "" : e.getMessage().strip();
        while (message.endsWith(".")) {
            message = message.substring(0, message.length() - 1);
        }
        StringBuilder out = new StringBuilder(message);
        if (e.getError() != null && !e.getError().equals(e.getMessage())
                && e.getError().matches("[A-Z]\\d{4}")) {
            out.append(" (").append(e.getError());
            if (e.getLocation() >= 0) {
                out.append(" at position ").append(e.getLocation());
            }
            out.append(')');
        } else if (e.getLocation() >= 0) {
            out.append(" (at position ").append(e.getLocation()).append(')');
        }
        return out.toString();
    }

    /**
     * Every {@code $name} the expression text mentions outside string literals: the workflow
     * variables it may read. Local variables and function names are included too; looking them
     * up among the workflow variables finds nothing unless a variable has that name, in which
     * case it is bound as JSONata's own bindings would bind it.
     */
    static String[] variableNames(String source) {
        Set<String> names = new LinkedHashSet<>();
        int i = 0;
        int n = source.length();
        while (i < n) {
            char c = source.charAt(i);
            if (c == '"' || c == '\'') {
                i++;
                while (i < n && source.charAt(i) != c) {
                    i += source.charAt(i) == '\\' ? 2 : 1;
                }
                i++;
            } else if (c == '/' && i + 1 < n && source.charAt(i + 1) == '*') {
                int close = source.indexOf("*/", i + 2);
                i = close < 0 ? n : close + 2;
            } else if (c == '$') {
                int start = ++i;
                while (i < n && (Character.isLetterOrDigit(source.charAt(i)) || source.charAt(i) == '_')) {
                    i++;
                }
                if (i > start) {
                    names.add(source.substring(start, i));
                }
            } else {
                i++;
            }
        }
        names.remove("states");
        return names.toArray(String[]::new);
    }

    /**
     * Evaluates the expression within {@code evaluation}, which must be current on this thread.
     * Fails with {@code States.QueryEvaluationError} when the library fails, when the result is
     * undefined or when it is something JSON cannot hold.
     */
    JsonNode evaluate(Evaluation evaluation) {
        Frame bindings = new Frame(null);
        for (String name : variableNames) {
            JsonNode value = evaluation.variables.get(name);
            if (value != null) {
                bindings.bind(name, Values.toJsonata(value));
            }
        }
        bindings.bind("states", evaluation.statesValue());
        DepthGuard guard = new DepthGuard();
        bindings.setEvaluateEntryCallback(guard);
        bindings.setEvaluateExitCallback(guard);
        Object result;
        try {
            result = compiled.evaluate(null, bindings);
        } catch (JException e) {
            throw failure("threw an error during evaluation: " + plain(e) + ".");
        } catch (Evaluation.FunctionFailure e) {
            throw failure("threw an error during evaluation: " + e.getMessage());
        } catch (StackOverflowError e) {
            throw failure("threw an error during evaluation: it nests too deeply.");
        } catch (StatesException e) {
            throw e;
        } catch (RuntimeException e) {
            Throwable cause = e.getCause() instanceof Evaluation.FunctionFailure f ? f : e;
            if (cause instanceof Evaluation.FunctionFailure) {
                throw failure("threw an error during evaluation: " + cause.getMessage());
            }
            throw failure("threw an error during evaluation: " + describe(e) + ".");
        }
        JsonNode json;
        try {
            json = Values.toJson(result);
        } catch (Values.UnsupportedResult e) {
            throw failure("returned an unsupported result type (a " + e.type + ").");
        }
        if (json == null) {
            throw failure("returned nothing (undefined).");
        }
        return json;
    }

    private static String describe(RuntimeException e) {
        String message = e.getMessage();
        return message == null || message.isBlank() ? e.getClass().getSimpleName() : message.strip();
    }

    private StatesException failure(String what) {
        String cause = "The JSONata expression '" + source + "'"
                + (field == null || field.isEmpty() ? "" : " specified for the field '" + field + "'")
                + " " + what;
        return new StatesException(ErrorNames.QUERY_EVALUATION_ERROR, cause);
    }

    /** Refuses evaluation nested deeper than {@link #MAX_DEPTH}, without reading a clock. */
    private static final class DepthGuard implements EntryCallback, ExitCallback {
        private int depth;

        @Override
        public void callback(com.dashjoin.jsonata.Parser.Symbol expr, Object input, Frame environment) {
            if (environment.isParallelCall) {
                return;
            }
            if (++depth > MAX_DEPTH) {
                throw new Evaluation.FunctionFailure("Stack overflow error: the expression nests deeper than "
                        + MAX_DEPTH + " levels; check for non-terminating recursion.");
            }
        }

        @Override
        public void callback(com.dashjoin.jsonata.Parser.Symbol expr, Object input, Frame environment,
                Object result) {
            if (!environment.isParallelCall) {
                depth--;
            }
        }
    }
}
