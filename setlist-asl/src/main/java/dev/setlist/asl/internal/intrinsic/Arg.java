package dev.setlist.asl.internal.intrinsic;

import com.fasterxml.jackson.databind.JsonNode;
import dev.setlist.asl.StatesException;
import dev.setlist.asl.internal.expr.Scope;
import dev.setlist.asl.internal.path.Path;

/** One compiled argument of an intrinsic call: a literal, a path or a nested call. */
sealed interface Arg permits Arg.Literal, Arg.PathArg, Call {

    /** The source text of the argument. */
    String text();

    /**
     * The argument's value, never Java {@code null} (JSON null is {@code NullNode}).
     *
     * @param owner the call this is an argument of, for error messages
     * @param number the 1-based position of the argument in that call
     */
    JsonNode evaluate(Scope scope, Call owner, int number);

    /**
     * A constant. {@code raw} is, for a string literal, the text between the quotes before
     * escapes were resolved (States.Format needs it to tell {@code \{} from {@code {}); null for
     * other literals.
     */
    record Literal(String text, JsonNode value, String raw) implements Arg {
        @Override
        public JsonNode evaluate(Scope scope, Call owner, int number) {
            return value;
        }
    }

    /**
     * A path into the input ({@code $}), the context object ({@code $$}) or a variable
     * ({@code $name}). A path that selects nothing fails the state with {@code States.Runtime},
     * the error AWS raise for a {@code .$} path that selects nothing, rather than
     * {@code States.IntrinsicFailure}: the call itself was never reached.
     */
    record PathArg(Path path) implements Arg {
        @Override
        public String text() {
            return path.text();
        }

        @Override
        public JsonNode evaluate(Scope scope, Call owner, int number) {
            JsonNode value = path.read(scope);
            if (value == null || value.isMissingNode()) {
                throw StatesException.runtime(owner.name() + ": the JSONPath '" + path.text() + "' (argument "
                        + number + ") could not be found in " + where(path.text()));
            }
            return value;
        }

        private static String where(String text) {
            if (text.startsWith("$$")) {
                return "the context object";
            }
            if (text.length() > 1 && (Character.isLetter(text.charAt(1)) || text.charAt(1) == '_')) {
                int end = 1;
                while (end < text.length() && (Character.isLetterOrDigit(text.charAt(end)) || text.charAt(end) == '_')) {
                    end++;
                }
                return "the variable '" + text.substring(0, end) + "'";
            }
            return "the input";
        }
    }
}
