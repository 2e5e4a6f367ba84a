package dev.setlist.asl.internal.intrinsic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.BigIntegerNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.setlist.asl.Entropy;
import dev.setlist.asl.StatesException;
import dev.setlist.asl.internal.expr.ExpressionSyntaxException;
import dev.setlist.asl.internal.expr.Scope;
import dev.setlist.asl.internal.path.Paths;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;

/**
 * A recursive-descent parser for one intrinsic call. Positions in messages are 0-based character
 * offsets into the whole text. Not thread safe; one instance per text.
 */
final class Parser {
    /** AWS allow intrinsic calls to be nested up to 10 deep. */
    static final int MAX_DEPTH = 10;

    private static final String PREFIX = "States.";
    private static final Scope CONSTANT_SCOPE = new Scope(null, (com.fasterxml.jackson.databind.JsonNode) null, Scope.Variables.NONE, new Entropy() {
        @Override
        public double nextDouble() {
            throw new IllegalStateException("constant folding must not draw randomness");
        }

        @Override
        public String uuid() {
            throw new IllegalStateException("constant folding must not draw randomness");
        }
    });

    private final String text;
    private final int n;
    private int pos;

    Parser(String text) {
        this.text = text;
        this.n = text.length();
    }

    Intrinsic parse() throws ExpressionSyntaxException {
        if (!text.startsWith(PREFIX)) {
            throw new ExpressionSyntaxException("an intrinsic function call must start with 'States.', but was '"
                    + abbreviate(text) + "'");
        }
        Call call = parseCall(1);
        skipSpace();
        if (pos < n) {
            throw new ExpressionSyntaxException(call.name() + ": unexpected text '" + abbreviate(text.substring(pos))
                    + "' at position " + pos + " after the closing ')'");
        }
        return call;
    }

    private Call parseCall(int depth) throws ExpressionSyntaxException {
        int start = pos;
        pos += PREFIX.length();
        int nameStart = pos;
        while (pos < n && Character.isLetterOrDigit(text.charAt(pos))) {
            pos++;
        }
        String name = text.substring(start, pos);
        Function function = Function.byName(name);
        if (function == null) {
            throw new ExpressionSyntaxException(nameStart == pos
                    ? "a function name must follow 'States.' at position " + start
                    : "unknown intrinsic function '" + name + "' at position " + start + "; the functions are "
                            + Function.knownNames());
        }
        if (depth > MAX_DEPTH) {
            throw new ExpressionSyntaxException(name + " at position " + start + " is nested " + depth
                    + " calls deep, but intrinsic functions can be nested at most " + MAX_DEPTH + " deep");
        }
        if (pos >= n || text.charAt(pos) != '(') {
            throw new ExpressionSyntaxException(name + ": expected '(' at position " + pos
                    + (pos >= n ? ", but the text ended" : ", but found '" + text.charAt(pos) + "'"));
        }
        pos++;
        List<Arg> args = new ArrayList<>();
        skipSpace();
        if (pos < n && text.charAt(pos) == ')') {
            pos++;
        } else {
            while (true) {
                args.add(parseArg(name, args.size() + 1, depth));
                skipSpace();
                if (pos >= n) {
                    throw new ExpressionSyntaxException(name + ": missing ')' to close the call that starts at position "
                            + start);
                }
                char c = text.charAt(pos);
                if (c == ')') {
                    pos++;
                    break;
                }
                if (c != ',') {
                    throw new ExpressionSyntaxException(name + ": expected ',' or ')' at position " + pos
                            + ", but found '" + c + "'");
                }
                pos++;
                skipSpace();
            }
        }
        Arg[] array = args.toArray(Arg[]::new);
        Call call = new Call(text.substring(start, pos), function, array, function.compile(array));
        checkConstant(call, array);
        return call;
    }

    /**
     * When every argument is a literal and the function does not draw randomness, the result
     * cannot change between executions: evaluate it now so that a failure is reported before the
     * state machine runs.
     */
    private static void checkConstant(Call call, Arg[] args) throws ExpressionSyntaxException {
        if (!call.function().pure()) {
            return;
        }
        for (Arg arg : args) {
            if (!(arg instanceof Arg.Literal)) {
                return;
            }
        }
        try {
            call.evaluate(CONSTANT_SCOPE);
        } catch (StatesException e) {
            throw new ExpressionSyntaxException(e.cause());
        }
    }

    private Arg parseArg(String function, int number, int depth) throws ExpressionSyntaxException {
        if (pos >= n) {
            throw new ExpressionSyntaxException(function + ": expected argument " + number + " at position " + pos
                    + ", but the text ended");
        }
        char c = text.charAt(pos);
        if (c == '\'') {
            return parseString(function);
        }
        if (c == '-' || (c >= '0' && c <= '9')) {
            return parseNumber(function);
        }
        if (c == '$') {
            return parsePath(function, number);
        }
        if (text.startsWith(PREFIX, pos)) {
            return parseCall(depth + 1);
        }
        for (String keyword : new String[] {"true", "false", "null"}) {
            if (text.startsWith(keyword, pos) && endsToken(pos + keyword.length())) {
                int start = pos;
                pos += keyword.length();
                JsonNode value = keyword.equals("null") ? NullNode.getInstance() : BooleanNode.valueOf(keyword.equals("true"));
                return new Arg.Literal(text.substring(start, pos), value, null);
            }
        }
        throw new ExpressionSyntaxException(function + ": unexpected " + (c == ')' || c == ',' ? "'" + c + "'" : "'"
                + abbreviate(text.substring(pos)) + "'") + " at position " + pos + "; argument " + number
                + " must be a string in single quotes, a number, true, false, null, a path starting with '$' or an intrinsic call");
    }

    private boolean endsToken(int at) {
        if (at >= n) {
            return true;
        }
        char c = text.charAt(at);
        return c == ',' || c == ')' || Character.isWhitespace(c);
    }

    private Arg parseString(String function) throws ExpressionSyntaxException {
        int start = pos;
        pos++;
        StringBuilder value = new StringBuilder();
        while (pos < n) {
            char c = text.charAt(pos);
            if (c == '\'') {
                pos++;
                String raw = text.substring(start + 1, pos - 1);
                return new Arg.Literal(text.substring(start, pos), TextNode.valueOf(value.toString()), raw);
            }
            if (c == '\\') {
                if (pos + 1 >= n) {
                    break;
                }
                char next = text.charAt(pos + 1);
                if (!Template.isEscapable(next)) {
                    throw new ExpressionSyntaxException(function + ": invalid escape '\\" + next + "' at position " + pos
                            + "; only \\', \\{, \\} and \\\\ are allowed (write \\\\ for a backslash)");
                }
                value.append(next);
                pos += 2;
            } else {
                value.append(c);
                pos++;
            }
        }
        throw new ExpressionSyntaxException(function + ": unclosed string literal starting at position " + start);
    }

    private Arg parseNumber(String function) throws ExpressionSyntaxException {
        int start = pos;
        if (text.charAt(pos) == '-') {
            pos++;
        }
        int digits = skipDigits();
        boolean decimal = false;
        if (digits > 0 && pos < n && text.charAt(pos) == '.') {
            pos++;
            decimal = true;
            digits = skipDigits();
        }
        if (digits > 0 && pos < n && (text.charAt(pos) == 'e' || text.charAt(pos) == 'E')) {
            pos++;
            if (pos < n && (text.charAt(pos) == '+' || text.charAt(pos) == '-')) {
                pos++;
            }
            decimal = true;
            digits = skipDigits();
        }
        if (digits == 0 || !endsToken(pos)) {
            int end = pos;
            while (end < n && !endsToken(end)) {
                end++;
            }
            throw new ExpressionSyntaxException(function + ": malformed number '" + text.substring(start, Math.max(end, pos))
                    + "' at position " + start);
        }
        String literal = text.substring(start, pos);
        JsonNode value;
        if (decimal) {
            double d = Double.parseDouble(literal);
            if (Double.isInfinite(d)) {
                throw new ExpressionSyntaxException(function + ": the number '" + literal + "' at position " + start
                        + " is too large");
            }
            value = DoubleNode.valueOf(d);
        } else {
            BigInteger integer = new BigInteger(literal);
            value = integer.bitLength() < 64 ? Json.number(integer.longValue()) : BigIntegerNode.valueOf(integer);
        }
        return new Arg.Literal(literal, value, null);
    }

    private int skipDigits() {
        int start = pos;
        while (pos < n && text.charAt(pos) >= '0' && text.charAt(pos) <= '9') {
            pos++;
        }
        return pos - start;
    }

    /**
     * A path runs to the first ',', ')' or whitespace that is not inside brackets, parentheses
     * (filter expressions) or quotes.
     */
    private Arg parsePath(String function, int number) throws ExpressionSyntaxException {
        int start = pos;
        StringBuilder open = new StringBuilder(); // unclosed '[' and '(' in order
        char quote = 0;
        while (pos < n) {
            char c = text.charAt(pos);
            if (quote != 0) {
                if (c == '\\' && pos + 1 < n) {
                    pos++;
                } else if (c == quote) {
                    quote = 0;
                }
            } else if (!open.isEmpty() && (c == '\'' || c == '"')) {
                quote = c;
            } else if (c == '[' || c == '(') {
                open.append(c);
            } else if (c == ']' || c == ')') {
                if (open.isEmpty()) {
                    break;
                }
                char expected = open.charAt(open.length() - 1) == '[' ? ']' : ')';
                if (c != expected) {
                    throw new ExpressionSyntaxException(function + ": expected '" + expected + "' but found '" + c
                            + "' at position " + pos + " in the path starting at position " + start);
                }
                open.setLength(open.length() - 1);
            } else if (open.isEmpty() && (c == ',' || Character.isWhitespace(c))) {
                break;
            }
            pos++;
        }
        if (quote != 0 || !open.isEmpty()) {
            throw new ExpressionSyntaxException(function + ": unclosed " + (quote != 0 ? "quote" : "'" + open.charAt(open.length() - 1) + "'")
                    + " in the path starting at position " + start);
        }
        String path = text.substring(start, pos);
        try {
            return new Arg.PathArg(Paths.compile(path));
        } catch (ExpressionSyntaxException e) {
            throw new ExpressionSyntaxException(function + ": argument " + number + " at position " + start + ": "
                    + e.getMessage());
        }
    }

    private void skipSpace() {
        while (pos < n && Character.isWhitespace(text.charAt(pos))) {
            pos++;
        }
    }

    private static String abbreviate(String s) {
        return s.length() > 40 ? s.substring(0, 40) + "…" : s;
    }
}
