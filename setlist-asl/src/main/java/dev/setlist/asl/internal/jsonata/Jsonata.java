package dev.setlist.asl.internal.jsonata;

import com.fasterxml.jackson.databind.JsonNode;
import dev.setlist.asl.internal.expr.ExpressionSyntaxException;

/** JSONata as the States language uses it: {@code "{% expression %}"} strings inside JSON templates. */
public final class Jsonata {
    private Jsonata() {}

    /** True when {@code text} is a JSONata expression string: it starts with "{%" and ends with "%}". */
    public static boolean isExpression(String text) {
        return text != null && text.startsWith("{%") && text.endsWith("%}") && text.length() >= 4;
    }

    /** Compiles a JSON value in which any string may be a {@code {% %}} expression, at any depth. */
    public static Template compileTemplate(JsonNode template) throws ExpressionSyntaxException {
        throw new ExpressionSyntaxException("JSONata is not supported yet");
    }
}
