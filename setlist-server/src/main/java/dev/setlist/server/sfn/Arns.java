package dev.setlist.server.sfn;

import dev.setlist.server.http.ApiException;
import java.util.List;

/**
 * The shape of the ARNs a request names, checked before anything is looked up: a malformed ARN,
 * or one of a resource type the member does not take, is {@code InvalidArn} in AWS's words
 * ("Invalid Arn: 'Invalid ARN prefix: …'", "Invalid Arn: 'Resource type not valid in this
 * context: execution'"), never a "does not exist". As AWS, the members' types and constraints are
 * checked first: the handler reads every member, and the ARN's error is told only when the call
 * then fails ({@link Req#throwDeferred}).
 */
final class Arns {
    private Arns() {
    }

    /**
     * Checks that {@code arn} is {@code arn:<partition>:states:<region>:<account>:<type>:<name>…}
     * with one of {@code types}, and returns it; a malformed one is recorded on the request.
     */
    static String require(Req r, String arn, String... types) {
        try {
            return require(arn, types);
        } catch (ApiException e) {
            r.defer(e);
            return arn;
        }
    }

    static String require(String arn, String... types) {
        String[] p = arn.split(":", -1);
        if (p.length < 7 || !p[0].equals("arn") || p[1].isEmpty() || !p[2].equals("states")) {
            throw ApiException.badRequest("InvalidArn", "Invalid Arn: 'Invalid ARN prefix: " + arn + "'");
        }
        if (!List.of(types).contains(p[5])) {
            throw ApiException.badRequest("InvalidArn", "Invalid Arn: 'Resource type not valid in this context: " + p[5] + "'");
        }
        if (p[6].isEmpty()) {
            throw ApiException.badRequest("InvalidArn", "Invalid Arn: 'Resource name not valid: " + arn + "'");
        }
        return arn;
    }
}
