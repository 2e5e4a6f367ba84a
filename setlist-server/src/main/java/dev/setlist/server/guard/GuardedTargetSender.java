package dev.setlist.server.guard;

import dev.setlist.events.TargetSender;
import dev.setlist.flows.guard.Outbound;
import java.net.URI;
import java.time.Duration;

/**
 * The event bus's HTTP targets through the outbound wrapper: one attempt per delivery (the bus
 * retries durably, with its own backoff), under the target host's circuit breaker and bulkhead, so
 * a dead endpoint is not hammered by every event and its failures fail fast.
 */
public final class GuardedTargetSender implements TargetSender {
    private final Outbound outbound;
    private final TargetSender delegate;
    private final Outbound.Policy policy;

    public GuardedTargetSender(Outbound outbound, TargetSender delegate, Duration timeout) {
        this.outbound = outbound;
        this.delegate = delegate;
        this.policy = new Outbound.Policy(timeout, 1, Duration.ZERO, Duration.ZERO);
    }

    @Override
    public void send(String targetArn, String payload, String traceHeader) throws Failure {
        send(targetArn, payload, traceHeader, null);
    }

    @Override
    public void send(String targetArn, String payload, String traceHeader, dev.setlist.events.Target.HttpParameters http)
            throws Failure {
        try {
            outbound.call(dependency(targetArn), policy, () -> {
                try {
                    delegate.send(targetArn, payload, traceHeader, http);
                } catch (TargetSender.Failure f) {
                    throw new Outbound.Failure(f.getMessage(), f.retriable());
                }
                return null;
            });
        } catch (Outbound.Failure f) {
            throw new Failure(f.getMessage(), f.retriable());
        }
    }

    static String dependency(String url) {
        try {
            URI u = URI.create(url);
            int port = u.getPort() > 0 ? u.getPort() : "https".equals(u.getScheme()) ? 443 : 80;
            return u.getHost() + ":" + port;
        } catch (IllegalArgumentException e) {
            return "invalid-url";
        }
    }
}
