package dev.setlist.flows.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.setlist.flows.Flow;
import dev.setlist.flows.guard.Outbound;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Escalation webhooks through the outbound wrapper: a dead hook opens its breaker and stops being called. */
class NotifierOutboundTest {

    @Test
    void send_failingWebhook_opensTheBreakerAndFailsFast() throws Exception {
        AtomicInteger hits = new AtomicInteger();
        HttpServer hook = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        hook.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        hook.createContext("/", ex -> {
            hits.incrementAndGet();
            ex.getRequestBody().readAllBytes();
            ex.sendResponseHeaders(500, -1);
            ex.close();
        });
        hook.start();
        try (Outbound out = Outbound.builder().breaker(2, 2, Duration.ofMinutes(1)).build()) {
            Notifier notifier = new Notifier(Duration.ofSeconds(5), out);
            Flow.Contact contact = new Flow.Contact("On-call", Flow.Channel.WEBHOOK,
                    URI.create("http://127.0.0.1:" + hook.getAddress().getPort() + "/page"), Duration.ofMinutes(15));
            var note = new ObjectMapper().createObjectNode().put("event", "ALARM").put("alarm", "errors");
            assertThat(notifier.send(contact, note)).contains("HTTP 500");
            assertThat(notifier.send(contact, note)).contains("HTTP 500");
            assertThat(notifier.send(contact, note)).isEqualTo("Circuit breaker of 127.0.0.1:"
                    + hook.getAddress().getPort() + " is open");
            assertThat(hits.get()).isEqualTo(2);
        } finally {
            hook.stop(0);
        }
    }
}
