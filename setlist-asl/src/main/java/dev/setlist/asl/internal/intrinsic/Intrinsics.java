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
 * than 10 calls. A call whose arguments are all literals and that draws no randomness is also
 * evaluated once at parse time, so that its failure (such as {@code States.ArrayRange(1, 2, 0)})
 * is reported as a syntax error. Everything else is checked when the call is evaluated and fails
 * with {@code States.IntrinsicFailure}, whose cause starts with the function's name.
 *
 * <p>Choices where AWS documentation is silent or where this runtime departs from it:
 * <ul>
 *   <li>A path argument that selects nothing fails with {@code States.Runtime} (as a {@code .$}
 *       path that selects nothing does), not {@code States.IntrinsicFailure}.</li>
 *   <li>States.Format inserts arrays and objects as compact JSON text; the specification says
 *       such values must not be used. A template read from data honours the same {@code \{},
 *       {@code \}} and {@code \} escapes as a literal one. Unescaped braces that do not form
 *       {@code {}} are kept as literal text rather than rejected.</li>
 *   <li>Where AWS say a number is rounded to the nearest integer, halves round away from zero.
 *       ArrayGetItem's index and MathRandom's seed must be integral.</li>
 *   <li>ArrayContains and ArrayUnique compare numbers by value ({@code 1} equals {@code 1.0}) and
 *       objects regardless of member order.</li>
 *   <li>States.StringSplit keeps empty pieces; an empty delimiter string yields the whole string.</li>
 *   <li>States.Hash hashes a non-string argument as its JSON text; States.Base64Encode emits
 *       Base64 without line breaks; States.Base64Decode requires the result to be UTF-8.</li>
 *   <li>States.JsonToString accepts any argument, not only a path.</li>
 *   <li>Results may share subtrees with the arguments (and so with the input); treat them as
 *       immutable.</li>
 * </ul>
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
