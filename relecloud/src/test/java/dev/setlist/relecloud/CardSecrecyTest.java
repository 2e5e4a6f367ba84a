package dev.setlist.relecloud;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import dev.setlist.engine.ExecutionInfo;
import dev.setlist.engine.HistoryRecord;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * A card number goes to the payment gateway and nowhere else: the purchase's execution input and
 * history, every table of the database and every log line carry at most its token and last four
 * digits.
 */
class CardSecrecyTest {
    static final String CARD = "4111111111111111";
    static Harness h;
    static Harness.User agent;

    @BeforeAll
    static void start() {
        h = new Harness();
        agent = h.login("ana");
    }

    @AfterAll
    static void stop() {
        h.close();
    }

    @Test
    void theCardNumber_isInNoExecutionTableRowOrLogLine_onlyItsLastFourAndToken() throws Exception {
        long concert = h.concert("Secret Show", "Indie", 10, 2500, 10);
        // Everything at DEBUG, kept in memory only (the console appenders are set aside meanwhile).
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        Level was = root.getLevel();
        List<ch.qos.logback.core.Appender<ILoggingEvent>> console = new ArrayList<>();
        root.iteratorForAppenders().forEachRemaining(console::add);
        console.forEach(root::detachAppender);
        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        logs.start();
        root.addAppender(logs);
        root.setLevel(Level.DEBUG);
        JsonNode bought;
        JsonNode declined;
        try {
            bought = agent.post("/api/relecloud/purchases?wait=20", "{\"customer\":{\"email\":\"sam@example.com\","
                    + "\"name\":\"Sam\"},\"items\":[{\"concertId\":" + concert + ",\"quantity\":2}],\"card\":{\"number\":\""
                    + CARD + "\",\"expiry\":\"10/99\",\"holder\":\"Sam\"}}", Map.of("Idempotency-Key", "key-"
                    + UUID.randomUUID())).json();
            // a rejected card is not repeated in the answer or a log line either
            declined = agent.post("/api/relecloud/purchases", "{\"customer\":{\"email\":\"sam@example.com\",\"name\":"
                    + "\"Sam\"},\"items\":[{\"concertId\":" + concert + ",\"quantity\":1}],\"card\":{\"number\":\""
                    + "4111111111111112\",\"expiry\":\"10/99\"}}", Map.of("Idempotency-Key", "key-" + UUID.randomUUID()))
                    .json();
        } finally {
            root.setLevel(was);
            root.detachAppender(logs);
            console.forEach(root::addAppender);
        }
        assertThat(bought.path("status").asText()).isEqualTo("SUCCEEDED");
        assertThat(bought.path("card").path("last4").asText()).isEqualTo("1111");
        assertThat(bought.path("card").path("brand").asText()).isEqualTo("visa");
        assertThat(bought.toString()).doesNotContain(CARD);
        assertThat(declined.path("message").asText()).contains("Luhn").doesNotContain("4111111111111112");

        // the execution: input, output and every history event
        String arn = bought.path("executionArn").asText();
        ExecutionInfo exec = h.server.engine().describeExecution(arn);
        assertThat(exec.input()).doesNotContain(CARD).contains("1111");
        assertThat(String.valueOf(exec.output())).doesNotContain(CARD);
        List<HistoryRecord> history = h.server.engine().getExecutionHistory(arn, 1000, false, null, true).items();
        assertThat(history).hasSizeGreaterThan(5);
        history.forEach(e -> assertThat(e.details().toString()).as(e.type()).doesNotContain(CARD));

        // every row of every table of the database (Relecloud's, the engine's, the bus's, the server's)
        int scanned = 0;
        List<String> found = new ArrayList<>();
        try (Connection c = h.server.engine().dataSource().getConnection(); Statement s = c.createStatement()) {
            List<String[]> tables = new ArrayList<>();
            try (ResultSet rs = c.getMetaData().getTables(null, null, "%", null)) {
                while (rs.next()) {
                    String schema = rs.getString("TABLE_SCHEM");
                    if (schema != null && !schema.equalsIgnoreCase("INFORMATION_SCHEMA")) {
                        tables.add(new String[] {schema, rs.getString("TABLE_NAME")});
                    }
                }
            }
            for (String[] t : tables) {
                try (ResultSet rs = s.executeQuery("SELECT * FROM \"" + t[0] + "\".\"" + t[1] + "\"")) {
                    ResultSetMetaData md = rs.getMetaData();
                    while (rs.next()) {
                        scanned++;
                        for (int i = 1; i <= md.getColumnCount(); i++) {
                            Object v = rs.getObject(i);
                            String text = v instanceof byte[] b ? new String(b, java.nio.charset.StandardCharsets.ISO_8859_1)
                                    : String.valueOf(v);
                            if (text.contains(CARD)) {
                                found.add(t[1] + "." + md.getColumnName(i));
                            }
                        }
                    }
                }
            }
            try (ResultSet rs = s.executeQuery("SELECT card_token, card_last4, card_brand FROM relecloud_purchase WHERE id = '"
                    + bought.path("purchaseId").asText() + "'")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).startsWith("tok_");
                assertThat(rs.getString(2)).isEqualTo("1111");
            }
        }
        assertThat(scanned).as("rows scanned").isGreaterThan(20);
        assertThat(found).as("columns holding the card number").isEmpty();

        // every answer that shows the purchase or its execution, to an administrator too
        Harness.User admin = h.login("admin");
        for (String path : List.of("/api/relecloud/purchases/" + bought.path("purchaseId").asText(),
                "/api/relecloud/purchases?customerId=" + bought.path("customerId").asText(),
                "/api/v1/executions/" + java.net.URLEncoder.encode(arn, java.nio.charset.StandardCharsets.UTF_8))) {
            Harness.Response r = admin.get(path);
            assertThat(r.status()).as(path).isEqualTo(200);
            assertThat(new String(r.bytes(), java.nio.charset.StandardCharsets.UTF_8)).as(path).doesNotContain(CARD);
        }

        // the bytes of every file in the server's data directory, once the database has written its pages
        try (Connection c = h.server.engine().dataSource().getConnection(); Statement s = c.createStatement()) {
            s.execute("CHECKPOINT SYNC");
        }
        List<String> files = new ArrayList<>();
        try (var walk = java.nio.file.Files.walk(h.dir)) {
            for (java.nio.file.Path f : walk.filter(java.nio.file.Files::isRegularFile).toList()) {
                files.add(f.getFileName().toString());
                String bytes = new String(java.nio.file.Files.readAllBytes(f), java.nio.charset.StandardCharsets.ISO_8859_1);
                assertThat(bytes).as(f.toString()).doesNotContain(CARD);
            }
        }
        assertThat(files).as("files scanned").anyMatch(n -> n.endsWith(".mv.db"));

        // every log line captured while buying (its message, arguments and stack trace)
        assertThat(logs.list).as("something was logged").isNotEmpty();
        for (ILoggingEvent e : logs.list) {
            String line = e.getFormattedMessage() + (e.getThrowableProxy() == null ? ""
                    : ThrowableProxyUtil.asString(e.getThrowableProxy()));
            assertThat(line).doesNotContain(CARD).doesNotContain("4111111111111112");
        }
    }
}
