package dev.setlist.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.StackTraceElementProxy;
import ch.qos.logback.core.read.ListAppender;
import dev.setlist.asl.SafeFailure;
import dev.setlist.server.Extension;
import dev.setlist.server.SetlistServer;
import dev.setlist.server.TestServer;
import io.javalin.config.RoutesConfig;
import java.sql.BatchUpdateException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * A failed batch insert whose parameters carry a card number reaches the HTTP error handler; the
 * log says what failed (SQLState, statement kind and table) and never the values, while the
 * driver's own message does carry them.
 */
class SafeLogsTest {
    private static final String MARKER = "4000000000009995";
    private static TestServer server;

    /** A workload route that inserts the same key twice in one batch, the second row carrying the marker. */
    static final class FailingBatch implements Extension {
        private SetlistServer server;

        @Override
        public void start(SetlistServer server) {
            this.server = server;
        }

        @Override
        public void routes(RoutesConfig routes, SetlistServer s) {
            routes.post("/test/failing-batch", ctx -> {
                try {
                    batch();
                } catch (SQLException e) {
                    throw new RuntimeException("the batch failed: " + e.getMessage(), e);
                }
            }, Access.anyone());
        }

        void batch() throws SQLException {
            try (Connection c = server.engine().dataSource().getConnection()) {
                try (Statement s = c.createStatement()) {
                    s.execute("CREATE TABLE IF NOT EXISTS safe_logs_card (id INT PRIMARY KEY, card VARCHAR(32))");
                    s.execute("DELETE FROM safe_logs_card");
                }
                try (PreparedStatement p = c.prepareStatement("INSERT INTO safe_logs_card (id, card) VALUES (?, ?)")) {
                    p.setInt(1, 1);
                    p.setString(2, MARKER);
                    p.addBatch();
                    p.setInt(1, 1);
                    p.setString(2, MARKER);
                    p.addBatch();
                    p.executeBatch();
                }
            }
        }
    }

    private static final FailingBatch BATCH = new FailingBatch();

    @BeforeAll
    static void start() {
        server = new TestServer(c -> c, b -> b.extension(BATCH));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    /** Everything a log appender would write of an event: the message, and each throwable's class, message and frames. */
    private static String rendered(ILoggingEvent e) {
        StringBuilder b = new StringBuilder(e.getFormattedMessage()).append('\n');
        for (IThrowableProxy t = e.getThrowableProxy(); t != null; t = t.getCause()) {
            b.append(t.getClassName()).append(": ").append(t.getMessage()).append('\n');
            for (StackTraceElementProxy s : t.getStackTraceElementProxyArray()) {
                b.append(s.getSTEAsString()).append('\n');
            }
            for (IThrowableProxy sup : t.getSuppressed()) {
                b.append("suppressed ").append(sup.getClassName()).append(": ").append(sup.getMessage()).append('\n');
            }
        }
        return b.toString();
    }

    @Test
    void theDriversMessageCarriesTheValues_theSummaryDoesNot() {
        SQLException failure = null;
        try {
            BATCH.batch();
        } catch (SQLException e) {
            failure = e;
        }
        assertThat((Object) failure).as("the batch fails").isNotNull();
        StringBuilder all = new StringBuilder();
        for (Throwable t = failure; t != null; t = t.getCause()) {
            all.append(t.getMessage());
        }
        if (failure instanceof BatchUpdateException b && b.getNextException() != null) {
            all.append(b.getNextException().getMessage());
        }
        assertThat(all.toString()).as("H2 quotes the parameters: the reason for the summary").contains(MARKER);
        String summary = SafeFailure.summary(failure);
        assertThat(summary).doesNotContain(MARKER).contains("SQLState 23505").contains("INSERT into safe_logs_card");
        assertThat(SafeFailure.scrubbed(failure).toString()).doesNotContain(MARKER);
    }

    @Test
    void aFailedBatchOverHttp_isLoggedWithoutItsParameters() {
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        ListAppender<ILoggingEvent> lines = new ListAppender<>();
        lines.setContext(root.getLoggerContext());
        lines.start();
        root.addAppender(lines);
        try {
            TestServer.Response r = server.post("/test/failing-batch", Map.of(), new byte[0]);
            assertThat(r.status()).as(r.toString()).isEqualTo(500);
            assertThat(r.raw()).doesNotContain(MARKER);
        } finally {
            root.detachAppender(lines);
        }
        String log = String.join("\n", lines.list.stream().map(SafeLogsTest::rendered).toList());
        assertThat(log).contains("Unexpected failure on POST /test/failing-batch")
                .contains("SQLState 23505").contains("INSERT into safe_logs_card")
                .as("the log shows no parameter").doesNotContain(MARKER);
    }
}
