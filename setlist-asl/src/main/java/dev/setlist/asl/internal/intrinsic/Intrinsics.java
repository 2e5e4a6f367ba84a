package dev.setlist.asl.internal.intrinsic;

import dev.setlist.asl.internal.expr.ExpressionSyntaxException;

/**
 * Parses intrinsic function calls as they appear in {@code .$} field values of JSONPath states,
 * for example {@code States.Format('Hello, {}', $.name)}.
 *
 * <p>Grammar (whitespace is allowed around arguments and commas):
 * <pre>
 * call     := 'States.' name '(' [ argument { ',' argument } ] ')'
 * argument := string | number | 'true' | 'false' | 'null' | path | call
 * string   := "'" { char | '\'' | '\{' | '\}' | '\\' } "'"
 * number   := ['-'] digits ['.' digits] [('e'|'E') ['+'|'-'] digits]
 * path     := '$' ...   (input {@code $}, context object {@code $$}, variable {@code $name})
 * </pre>
 *
 * <p>Everything that can be known without data is checked here and reported as an
 * {@link ExpressionSyntaxException}: malformed text, unknown function names, wrong argument
 * counts, literal arguments of the wrong type, the number of {@code {}} placeholders of a literal
 * {@code States.Format} template, a literal {@code true} as the third argument of
 * {@code States.JsonMerge}, an unknown literal {@code States.Hash} algorithm, and nesting deeper
 * than {@value Parser#MAX_DEPTH} calls. Everything else is checked when the call is evaluated.
 */
public final class Intrinsics {
    private Intrinsics() {}

    /** True when a {@code .$} value is an intrinsic call rather than a path. */
    public static boolean isCall(String text) {
        return text != null && text.startsWith("States.");
    }

    /** Compiles a call; nested calls and path arguments are compiled too. */
    public static Intrinsic parse(String text) throws ExpressionSyntaxException {
        if (text == null) {
            throw new ExpressionSyntaxException("an intrinsic function call is required, but the value is missing");
        }
        return new Parser(text).parse();
    }
}
