package dev.setlist.server.http;

import io.javalin.security.RouteRole;
import java.util.Objects;

/**
 * What a route needs before anything answers it, declared where the route is registered (as a
 * Javalin route role): {@code routes.get("/api/v1/flows", handler, Access.action("setlist:ReadFlows"))}.
 * The {@link Gate} reads the declaration of the matched route; a route registered without one is
 * closed to everyone.
 */
public sealed interface Access extends RouteRole {

    /** Whether a console session cookie may stand for the caller (it may not on the AWS-compatible API). */
    default boolean allowsSession() {
        return true;
    }

    /** Open to anyone, without credentials: health checks, the sign-in route, the console's static files. */
    record Public() implements Access {}

    /** Any authenticated caller, whatever their grants: who-am-I answers, sign-out. */
    record SignedIn() implements Access {}

    /** An authenticated caller whose grants allow {@code action} ({@code service:Name}) account-wide. */
    record Action(String action) implements Access {
        public Action {
            if (action == null || !action.matches("[a-z][a-z0-9-]*:[A-Za-z*][A-Za-z0-9*]*")) {
                throw new IllegalArgumentException("An action is service:Name, was " + action);
            }
        }
    }

    /**
     * The AWS-compatible endpoint: the action is named by {@code X-Amz-Target}
     * ({@code AWSStepFunctions.StartExecution} is {@code states:StartExecution}); the gate admits a
     * caller whose grants allow that action on some resource, and the API checks the request's own
     * resource against the same grants before it acts. Sessions are not accepted.
     */
    record AwsApi() implements Access {
        @Override
        public boolean allowsSession() {
            return false;
        }
    }

    static Access anyone() {
        return new Public();
    }

    static Access signedIn() {
        return new SignedIn();
    }

    static Access action(String action) {
        return new Action(Objects.requireNonNull(action, "action"));
    }

    static Access awsApi() {
        return new AwsApi();
    }
}
