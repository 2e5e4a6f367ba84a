package dev.setlist.asl.internal.model;

import com.fasterxml.jackson.databind.JsonNode;
import dev.setlist.asl.internal.expr.Scope;
import dev.setlist.asl.internal.intrinsic.Intrinsic;
import dev.setlist.asl.internal.jsonata.Template;
import dev.setlist.asl.internal.path.Path;

/**
 * Any compiled value of a definition that is computed at run time: a literal, a path, an
 * intrinsic call, a JSONPath payload template or a JSONata template. {@code scope.input()} is
 * what {@code $} means in JSONPath mode; {@code states} is {@code $states} in JSONata mode.
 */
public sealed interface Expr {
    JsonNode eval(Scope scope, JsonNode states);

    record Literal(JsonNode value) implements Expr {
        @Override
        public JsonNode eval(Scope scope, JsonNode states) {
            return value;
        }
    }

    /** A path; evaluates to null when it selects nothing (the caller decides what that means). */
    record PathExpr(Path path) implements Expr {
        @Override
        public JsonNode eval(Scope scope, JsonNode states) {
            return path.read(scope);
        }
    }

    record IntrinsicExpr(Intrinsic intrinsic) implements Expr {
        @Override
        public JsonNode eval(Scope scope, JsonNode states) {
            return intrinsic.evaluate(scope);
        }
    }

    record PayloadExpr(Payload payload) implements Expr {
        @Override
        public JsonNode eval(Scope scope, JsonNode states) {
            return payload.evaluate(scope);
        }
    }

    record JsonataExpr(Template template) implements Expr {
        @Override
        public JsonNode eval(Scope scope, JsonNode states) {
            return template.evaluate(states, scope.variables(), scope.entropy());
        }
    }
}
