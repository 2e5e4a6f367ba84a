package dev.setlist.asl.internal.intrinsic;

import dev.setlist.asl.internal.expr.ExpressionSyntaxException;

/** Parses intrinsic function calls. */
public final class Intrinsics {
    private Intrinsics() {}

    /** True when a {@code .$} value is an intrinsic call rather than a path. */
    public static boolean isCall(String text) {
        return text != null && text.startsWith("States.");
    }

    /** Compiles a call; nested calls and path arguments are compiled too. */
    public static Intrinsic parse(String text) throws ExpressionSyntaxException {
        throw new ExpressionSyntaxException("intrinsic functions are not supported yet: " + text);
    }
}
