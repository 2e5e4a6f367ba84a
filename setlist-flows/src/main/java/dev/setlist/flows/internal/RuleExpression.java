package dev.setlist.flows.internal;

import dev.setlist.flows.AlarmState;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * The rule of a composite alarm, in CloudWatch's syntax: {@code ALARM(name)}, {@code OK(name)},
 * {@code INSUFFICIENT_DATA(name)}, {@code TRUE}, {@code FALSE}, combined with {@code AND},
 * {@code OR}, {@code NOT} and parentheses. Names may be quoted ({@code ALARM("a b")}). {@code NOT}
 * binds tighter than {@code AND}, which binds tighter than {@code OR}. Immutable.
 */
public final class RuleExpression {
    private final Node root;
    private final Set<String> names;

    private RuleExpression(Node root, Set<String> names) {
        this.root = root;
        this.names = Collections.unmodifiableSet(new LinkedHashSet<>(names));
    }

    /** A rule that cannot be parsed: the message names the character where it went wrong (from 1). */
    public static final class SyntaxException extends IllegalArgumentException {
        public SyntaxException(String message) {
            super(message);
        }
    }

    public static RuleExpression parse(String text) {
        Parser p = new Parser(text);
        Node n = p.or();
        p.skipSpace();
        if (p.pos < text.length()) {
            throw p.error("unexpected \"" + text.charAt(p.pos) + "\"");
        }
        return new RuleExpression(n, p.names);
    }

    /** The alarm names the rule refers to, in order of appearance. */
    public Set<String> names() {
        return names;
    }

    public boolean evaluate(Function<String, AlarmState> states) {
        return root.eval(states);
    }

    private sealed interface Node permits Const, Test, Not, And, Or {
        boolean eval(Function<String, AlarmState> states);
    }

    private record Const(boolean value) implements Node {
        public boolean eval(Function<String, AlarmState> states) {
            return value;
        }
    }

    private record Test(AlarmState state, String name) implements Node {
        public boolean eval(Function<String, AlarmState> states) {
            return states.apply(name) == state;
        }
    }

    private record Not(Node operand) implements Node {
        public boolean eval(Function<String, AlarmState> states) {
            return !operand.eval(states);
        }
    }

    private record And(List<Node> operands) implements Node {
        public boolean eval(Function<String, AlarmState> states) {
            for (Node n : operands) {
                if (!n.eval(states)) {
                    return false;
                }
            }
            return true;
        }
    }

    private record Or(List<Node> operands) implements Node {
        public boolean eval(Function<String, AlarmState> states) {
            for (Node n : operands) {
                if (n.eval(states)) {
                    return true;
                }
            }
            return false;
        }
    }

    private static final class Parser {
        final String text;
        int pos;
        final Set<String> names = new LinkedHashSet<>();

        Parser(String text) {
            this.text = text;
        }

        SyntaxException error(String what) {
            return new SyntaxException(what + " at character " + (pos + 1));
        }

        void skipSpace() {
            while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) {
                pos++;
            }
        }

        /** Reads a keyword or bare name: letters, digits, '_', '-', '.', ':' and '/'. */
        String word() {
            skipSpace();
            int start = pos;
            while (pos < text.length() && isNameChar(text.charAt(pos))) {
                pos++;
            }
            return text.substring(start, pos);
        }

        static boolean isNameChar(char c) {
            return Character.isLetterOrDigit(c) || c == '_' || c == '-' || c == '.' || c == ':' || c == '/';
        }

        boolean keyword(String k) {
            skipSpace();
            int save = pos;
            if (word().equals(k)) {
                return true;
            }
            pos = save;
            return false;
        }

        Node or() {
            List<Node> operands = new ArrayList<>();
            operands.add(and());
            while (keyword("OR")) {
                operands.add(and());
            }
            return operands.size() == 1 ? operands.get(0) : new Or(operands);
        }

        Node and() {
            List<Node> operands = new ArrayList<>();
            operands.add(not());
            while (keyword("AND")) {
                operands.add(not());
            }
            return operands.size() == 1 ? operands.get(0) : new And(operands);
        }

        Node not() {
            if (keyword("NOT")) {
                return new Not(not());
            }
            return primary();
        }

        Node primary() {
            skipSpace();
            if (pos >= text.length()) {
                throw error("expected ALARM(…), OK(…), INSUFFICIENT_DATA(…), TRUE, FALSE, NOT or \"(\" but the rule ended");
            }
            if (text.charAt(pos) == '(') {
                pos++;
                Node inner = or();
                expect(')');
                return inner;
            }
            int start = pos;
            String w = word();
            switch (w) {
                case "TRUE":
                    return new Const(true);
                case "FALSE":
                    return new Const(false);
                case "ALARM", "OK", "INSUFFICIENT_DATA": {
                    AlarmState state = AlarmState.valueOf(w);
                    expect('(');
                    String name = name();
                    expect(')');
                    names.add(name);
                    return new Test(state, name);
                }
                default:
                    pos = start;
                    throw error(w.isEmpty() ? "unexpected \"" + text.charAt(pos) + "\""
                            : "unknown function \"" + w + "\" (expected ALARM, OK, INSUFFICIENT_DATA, TRUE or FALSE)");
            }
        }

        String name() {
            skipSpace();
            if (pos < text.length() && (text.charAt(pos) == '"' || text.charAt(pos) == '\'')) {
                char quote = text.charAt(pos++);
                int end = text.indexOf(quote, pos);
                if (end < 0) {
                    throw error("unclosed quote");
                }
                String n = text.substring(pos, end);
                pos = end + 1;
                if (n.isEmpty()) {
                    throw error("empty alarm name");
                }
                return n;
            }
            String n = word();
            if (n.isEmpty()) {
                throw error("expected an alarm name");
            }
            return n;
        }

        void expect(char c) {
            skipSpace();
            if (pos >= text.length() || text.charAt(pos) != c) {
                throw error("expected \"" + c + "\"");
            }
            pos++;
        }
    }
}
