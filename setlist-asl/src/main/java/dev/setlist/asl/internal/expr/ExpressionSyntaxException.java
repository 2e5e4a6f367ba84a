package dev.setlist.asl.internal.expr;

/**
 * A path, intrinsic function call or JSONata expression that cannot be compiled. The message is
 * a plain sentence naming what is wrong (and where in the expression, when that is known); the
 * validator places it at the field's location.
 */
public final class ExpressionSyntaxException extends Exception {
    public ExpressionSyntaxException(String message) {
        super(message, null, false, false);
    }
}
