package dev.setlist.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import com.fasterxml.jackson.databind.JsonNode;
import dev.setlist.server.http.Json;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code setlist serve}'s logging configuration: one JSON object per line with the trace ids of the MDC. */
class JsonLogsTest {
    @Test
    void serveConfiguration_jsonLinesWithTraceIds() throws Exception {
        LoggerContext context = new LoggerContext();
        JoranConfigurator configurator = new JoranConfigurator();
        configurator.setContext(context);
        configurator.doConfigure(ServeCommand.class.getResource("/logback-serve.xml"));
        var root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        ConsoleAppender<?> appender = (ConsoleAppender<?>) root.getAppender("JSON");
        assertThat(appender.getEncoder()).isInstanceOf(JsonEncoder.class);
        assertThat(context.getLogger("dev.setlist.server").getEffectiveLevel()).isEqualTo(Level.INFO);

        LoggingEvent event = new LoggingEvent("x", context.getLogger("dev.setlist.server.Test"), Level.WARN,
                "flow {} failed", null, new Object[] {"checkout"});
        event.setMDCPropertyMap(Map.of("traceId", "4bf92f3577b34da6a3ce929d0e0e4736", "spanId", "00f067aa0ba902b7"));
        byte[] line = ((JsonEncoder) appender.getEncoder()).encode(event);
        String text = new String(line, StandardCharsets.UTF_8);
        assertThat(text).endsWith("\n").doesNotContain("\n{");
        JsonNode json = Json.MAPPER.readTree(text);
        assertThat(json.get("level").asText()).isEqualTo("WARN");
        assertThat(json.get("formattedMessage").asText()).isEqualTo("flow checkout failed");
        assertThat(json.at("/mdc/traceId").asText()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
        context.stop();
    }
}
