package dev.setlist.asl.internal.model;

import com.fasterxml.jackson.databind.JsonNode;
import dev.setlist.asl.ErrorNames;
import dev.setlist.asl.StatesException;
import dev.setlist.asl.internal.expr.Scope;
import dev.setlist.asl.internal.jsonata.Template;
import dev.setlist.asl.internal.path.Path;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.List;

/** A compiled Choice rule: a boolean test over the state's effective input. */
public sealed interface ChoiceRule {

    /** Evaluates the rule. {@code states} is the JSONata {@code $states} object (JSONata rules only). */
    boolean test(Scope scope, JsonNode states);

    record And(List<ChoiceRule> rules) implements ChoiceRule {
        @Override
        public boolean test(Scope scope, JsonNode states) {
            for (ChoiceRule rule : rules) {
                if (!rule.test(scope, states)) {
                    return false;
                }
            }
            return true;
        }
    }

    record Or(List<ChoiceRule> rules) implements ChoiceRule {
        @Override
        public boolean test(Scope scope, JsonNode states) {
            for (ChoiceRule rule : rules) {
                if (rule.test(scope, states)) {
                    return true;
                }
            }
            return false;
        }
    }

    record Not(ChoiceRule rule) implements ChoiceRule {
        @Override
        public boolean test(Scope scope, JsonNode states) {
            return !rule.test(scope, states);
        }
    }

    /** A JSONata {@code Condition}: the expression must yield a boolean. */
    record Condition(String text, Template template) implements ChoiceRule {
        @Override
        public boolean test(Scope scope, JsonNode states) {
            JsonNode value = template.evaluate(states, scope.variables(), scope.entropy());
            if (value == null || !value.isBoolean()) {
                throw new StatesException(ErrorNames.QUERY_EVALUATION_ERROR,
                        "The Condition '" + text + "' must evaluate to a boolean, but returned " + value);
            }
            return value.booleanValue();
        }
    }

    /** A data-test expression: {@code Variable} compared with a literal or with another path. */
    record Comparison(Path variable, Operator operator, JsonNode value, Path valuePath) implements ChoiceRule {
        @Override
        public boolean test(Scope scope, JsonNode states) {
            JsonNode actual = variable.read(scope);
            if (operator == Operator.IS_PRESENT) {
                return (actual != null) == value.asBoolean();
            }
            if (actual == null) {
                throw StatesException.runtime("Invalid path '" + variable.text()
                        + "': The choice state's condition path references an invalid value.");
            }
            JsonNode expected = value;
            if (valuePath != null) {
                expected = valuePath.read(scope);
                if (expected == null) {
                    throw StatesException.runtime("Invalid path '" + valuePath.text()
                            + "': The choice state's condition path references an invalid value.");
                }
            }
            return operator.test(actual, expected);
        }
    }

    /** The comparison operators, each with how it treats values of the wrong type (false). */
    enum Operator {
        STRING_EQUALS("StringEquals"), STRING_LESS_THAN("StringLessThan"), STRING_GREATER_THAN("StringGreaterThan"),
        STRING_LESS_THAN_EQUALS("StringLessThanEquals"), STRING_GREATER_THAN_EQUALS("StringGreaterThanEquals"),
        STRING_MATCHES("StringMatches"),
        NUMERIC_EQUALS("NumericEquals"), NUMERIC_LESS_THAN("NumericLessThan"), NUMERIC_GREATER_THAN("NumericGreaterThan"),
        NUMERIC_LESS_THAN_EQUALS("NumericLessThanEquals"), NUMERIC_GREATER_THAN_EQUALS("NumericGreaterThanEquals"),
        BOOLEAN_EQUALS("BooleanEquals"),
        TIMESTAMP_EQUALS("TimestampEquals"), TIMESTAMP_LESS_THAN("TimestampLessThan"),
        TIMESTAMP_GREATER_THAN("TimestampGreaterThan"), TIMESTAMP_LESS_THAN_EQUALS("TimestampLessThanEquals"),
        TIMESTAMP_GREATER_THAN_EQUALS("TimestampGreaterThanEquals"),
        IS_NULL("IsNull"), IS_PRESENT("IsPresent"), IS_NUMERIC("IsNumeric"), IS_STRING("IsString"),
        IS_BOOLEAN("IsBoolean"), IS_TIMESTAMP("IsTimestamp");

        public final String field;

        Operator(String field) {
            this.field = field;
        }

        public static Operator byField(String name) {
            for (Operator op : values()) {
                if (op.field.equals(name)) {
                    return op;
                }
            }
            return null;
        }

        public boolean isTypeTest() {
            return ordinal() >= IS_NULL.ordinal();
        }

        boolean test(JsonNode a, JsonNode b) {
            return switch (this) {
                case STRING_EQUALS -> a.isTextual() && b.isTextual() && a.textValue().equals(b.textValue());
                case STRING_LESS_THAN -> strings(a, b) && a.textValue().compareTo(b.textValue()) < 0;
                case STRING_GREATER_THAN -> strings(a, b) && a.textValue().compareTo(b.textValue()) > 0;
                case STRING_LESS_THAN_EQUALS -> strings(a, b) && a.textValue().compareTo(b.textValue()) <= 0;
                case STRING_GREATER_THAN_EQUALS -> strings(a, b) && a.textValue().compareTo(b.textValue()) >= 0;
                case STRING_MATCHES -> strings(a, b) && matches(a.textValue(), b.textValue());
                case NUMERIC_EQUALS -> numbers(a, b) && compare(a, b) == 0;
                case NUMERIC_LESS_THAN -> numbers(a, b) && compare(a, b) < 0;
                case NUMERIC_GREATER_THAN -> numbers(a, b) && compare(a, b) > 0;
                case NUMERIC_LESS_THAN_EQUALS -> numbers(a, b) && compare(a, b) <= 0;
                case NUMERIC_GREATER_THAN_EQUALS -> numbers(a, b) && compare(a, b) >= 0;
                case BOOLEAN_EQUALS -> a.isBoolean() && b.isBoolean() && a.booleanValue() == b.booleanValue();
                case TIMESTAMP_EQUALS -> timestamps(a, b, c -> c == 0);
                case TIMESTAMP_LESS_THAN -> timestamps(a, b, c -> c < 0);
                case TIMESTAMP_GREATER_THAN -> timestamps(a, b, c -> c > 0);
                case TIMESTAMP_LESS_THAN_EQUALS -> timestamps(a, b, c -> c <= 0);
                case TIMESTAMP_GREATER_THAN_EQUALS -> timestamps(a, b, c -> c >= 0);
                case IS_NULL -> a.isNull() == b.asBoolean();
                case IS_PRESENT -> b.asBoolean();
                case IS_NUMERIC -> a.isNumber() == b.asBoolean();
                case IS_STRING -> a.isTextual() == b.asBoolean();
                case IS_BOOLEAN -> a.isBoolean() == b.asBoolean();
                case IS_TIMESTAMP -> (a.isTextual() && parseTimestamp(a.textValue()) != null) == b.asBoolean();
            };
        }

        private static boolean strings(JsonNode a, JsonNode b) {
            return a.isTextual() && b.isTextual();
        }

        private static boolean numbers(JsonNode a, JsonNode b) {
            return a.isNumber() && b.isNumber();
        }

        private static int compare(JsonNode a, JsonNode b) {
            if (a.canConvertToLong() && b.canConvertToLong() && a.isIntegralNumber() && b.isIntegralNumber()) {
                return Long.compare(a.longValue(), b.longValue());
            }
            if (a.isDouble() || b.isDouble() || a.isFloat() || b.isFloat()) {
                return Double.compare(a.doubleValue(), b.doubleValue());
            }
            return a.decimalValue().compareTo(b.decimalValue());
        }

        private interface IntTest {
            boolean test(int comparison);
        }

        private static boolean timestamps(JsonNode a, JsonNode b, IntTest test) {
            if (!strings(a, b)) {
                return false;
            }
            OffsetDateTime x = parseTimestamp(a.textValue());
            OffsetDateTime y = parseTimestamp(b.textValue());
            return x != null && y != null && test.test(x.toInstant().compareTo(y.toInstant()));
        }
    }

    /** Parses an RFC 3339 timestamp (as the States language requires: upper-case T and Z), or returns null. */
    static OffsetDateTime parseTimestamp(String text) {
        if (text.indexOf('t') >= 0 || text.indexOf('z') >= 0 || text.indexOf('T') < 0) {
            return null;
        }
        try {
            return OffsetDateTime.parse(text);
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    /**
     * {@code StringMatches}: {@code *} matches any run of characters; {@code \*} is a literal
     * star and {@code \\} a literal backslash.
     */
    static boolean matches(String text, String pattern) {
        // Tokenize: -1 stands for an unescaped star, anything else is a literal character.
        int[] tokens = new int[pattern.length()];
        int n = 0;
        for (int i = 0; i < pattern.length(); i++) {
            char c = pattern.charAt(i);
            if (c == '\\' && i + 1 < pattern.length()) {
                tokens[n++] = pattern.charAt(++i);
            } else {
                tokens[n++] = c == '*' ? -1 : c;
            }
        }
        // Linear-time wildcard matching with one backtrack point (no exponential blow-up).
        int t = 0;
        int p = 0;
        int star = -1;
        int mark = 0;
        while (t < text.length()) {
            if (p < n && tokens[p] != -1 && tokens[p] == text.charAt(t)) {
                t++;
                p++;
            } else if (p < n && tokens[p] == -1) {
                star = p++;
                mark = t;
            } else if (star >= 0) {
                p = star + 1;
                t = ++mark;
            } else {
                return false;
            }
        }
        while (p < n && tokens[p] == -1) {
            p++;
        }
        return p == n;
    }
}
