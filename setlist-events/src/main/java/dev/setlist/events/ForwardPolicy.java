package dev.setlist.events;

/**
 * Which events a rule may forward onto a bus (a target {@code arn:aws:events:…:event-bus/…}): the
 * forwarded event is the target's input, so its {@code source} is whatever the rule's
 * {@code Input}, {@code InputPath} or {@code InputTransformer} made it, or the source of an event
 * the rule matched (a replayed one, say). Asked before the event is put; a refused delivery is a
 * dead letter at once and nothing is put. Implementations are thread safe.
 */
@FunctionalInterface
public interface ForwardPolicy {
    /** Every event may be forwarded. */
    ForwardPolicy OPEN = (ruleArn, source) -> null;

    /** Null when the rule {@code ruleArn} may put an event of {@code source}; else why not. */
    String refusal(String ruleArn, String source);
}
