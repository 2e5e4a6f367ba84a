package dev.setlist.events;

/**
 * Delivers a payload to a target that is not a state machine, bus or log: HTTP endpoints by
 * default, and API destinations ({@code arn:aws:events:…:api-destination/…}) when the embedding
 * server knows them. Wrap it to add outbound resilience (timeouts, breakers, retry budgets).
 */
@FunctionalInterface
public interface TargetSender {

    /** Sends, or throws {@link Failure}: retriable ones are tried again later, the others dead-lettered. */
    void send(String targetArn, String payload, String traceHeader) throws Failure;

    /**
     * Sends with the target's {@code HttpParameters} (null without). Senders that reach HTTP
     * endpoints apply them; by default they are not used.
     */
    default void send(String targetArn, String payload, String traceHeader, Target.HttpParameters http) throws Failure {
        send(targetArn, payload, traceHeader);
    }

    final class Failure extends Exception {
        private final boolean retriable;

        public Failure(String message, boolean retriable) {
            super(message, null, false, false);
            this.retriable = retriable;
        }

        public boolean retriable() {
            return retriable;
        }
    }
}
