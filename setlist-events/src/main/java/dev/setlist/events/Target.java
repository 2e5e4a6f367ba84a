package dev.setlist.events;

import java.util.Map;

/**
 * Where a rule sends matching events: a state machine ({@code arn:aws:states:…:stateMachine:…}),
 * another bus ({@code arn:aws:events:…:event-bus/…}), an API destination
 * ({@code arn:aws:events:…:api-destination/…}, delivered by the {@link TargetSender}), an HTTP endpoint ({@code http(s)://…}) or the
 * log ({@code arn:aws:logs:…:log-group:…}). At most one of {@code input}, {@code inputPath} and
 * {@code inputTransformer} shapes what it receives; by default the whole event. {@code roleArn} is
 * kept and echoed (Setlist delivers with its own authority); {@code deadLetterArn}, a dead-letter
 * queue {@code arn:aws:sqs:REGION:ACCOUNT:NAME}, receives the deliveries that give up.
 * {@code httpParameters} (API destinations and http(s) targets only) fill the endpoint's {@code *}
 * path wildcards in order and add headers and query string parameters to each delivery.
 */
public record Target(String id, String arn, String input, String inputPath, InputTransformer inputTransformer,
                     RetryPolicy retryPolicy, String roleArn, String deadLetterArn, HttpParameters httpParameters) {

    public Target(String id, String arn, String input, String inputPath, InputTransformer inputTransformer,
                  RetryPolicy retryPolicy, String roleArn, String deadLetterArn) {
        this(id, arn, input, inputPath, inputTransformer, retryPolicy, roleArn, deadLetterArn, null);
    }

    public Target(String id, String arn, String input, String inputPath, InputTransformer inputTransformer,
                  RetryPolicy retryPolicy) {
        this(id, arn, input, inputPath, inputTransformer, retryPolicy, null, null);
    }

    public static Target of(String id, String arn) {
        return new Target(id, arn, null, null, null, null);
    }

    /** This target with a dead-letter queue. */
    public Target withDeadLetter(String queueArn) {
        return new Target(id, arn, input, inputPath, inputTransformer, retryPolicy, roleArn, queueArn, httpParameters);
    }

    /** This target with HTTP parameters. */
    public Target withHttpParameters(HttpParameters parameters) {
        return new Target(id, arn, input, inputPath, inputTransformer, retryPolicy, roleArn, deadLetterArn, parameters);
    }

    /**
     * EventBridge's {@code HttpParameters}: values for the endpoint's {@code *} path wildcards, in
     * order, and headers and query string parameters to send (an API destination's connection's own
     * parameters win over these). Any of them may be null.
     */
    public record HttpParameters(java.util.List<String> pathParameterValues, Map<String, String> headerParameters,
                                 Map<String, String> queryStringParameters) {
        public HttpParameters {
            pathParameterValues = pathParameterValues == null ? java.util.List.of() : java.util.List.copyOf(pathParameterValues);
            headerParameters = headerParameters == null ? Map.of()
                    : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(headerParameters));
            queryStringParameters = queryStringParameters == null ? Map.of()
                    : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(queryStringParameters));
        }

        public boolean none() {
            return pathParameterValues.isEmpty() && headerParameters.isEmpty() && queryStringParameters.isEmpty();
        }
    }

    /** {@code InputPathsMap} names JSONPath values that {@code <name>} placeholders of the template take. */
    public record InputTransformer(Map<String, String> inputPathsMap, String inputTemplate) {}

    /** How long and how often a delivery is retried before it becomes a dead letter. */
    public record RetryPolicy(int maximumEventAgeInSeconds, int maximumRetryAttempts) {
        /** EventBridge's defaults: 24 hours, 185 attempts. */
        public static final RetryPolicy DEFAULT = new RetryPolicy(86_400, 185);
    }
}
