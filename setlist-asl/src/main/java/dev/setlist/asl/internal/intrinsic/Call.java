package dev.setlist.asl.internal.intrinsic;

import com.fasterxml.jackson.databind.JsonNode;
import dev.setlist.asl.ErrorNames;
import dev.setlist.asl.StatesException;
import dev.setlist.asl.internal.expr.Scope;

/** A compiled call of one intrinsic function; immutable and thread safe. */
final class Call implements Arg, Intrinsic {
    private final String text;
    private final Function function;
    private final Arg[] args;
    /** What the function worked out at parse time (such as a literal Format template), or null. */
    private final Object prepared;

    Call(String text, Function function, Arg[] args, Object prepared) {
        this.text = text;
        this.function = function;
        this.args = args;
        this.prepared = prepared;
    }

    @Override
    public String text() {
        return text;
    }

    String name() {
        return function.functionName();
    }

    Function function() {
        return function;
    }

    Object prepared() {
        return prepared;
    }

    @Override
    public JsonNode evaluate(Scope scope) {
        JsonNode[] values = new JsonNode[args.length];
        for (int i = 0; i < args.length; i++) {
            JsonNode value = args[i].evaluate(scope, this, i + 1);
            function.checkType(this, i, value);
            values[i] = value;
        }
        return function.apply(this, values, scope);
    }

    @Override
    public JsonNode evaluate(Scope scope, Call owner, int number) {
        return evaluate(scope);
    }

    /** A {@code States.IntrinsicFailure} whose cause names this function. */
    StatesException failure(String problem) {
        return new StatesException(ErrorNames.INTRINSIC_FAILURE, name() + ": " + problem);
    }

    @Override
    public String toString() {
        return text;
    }
}
