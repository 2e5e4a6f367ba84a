package dev.setlist.engine;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashSet;
import java.util.Set;

/**
 * The same behaviour on PostgreSQL (127.0.0.1:5432, as on the development machines and in CI):
 * each test gets fresh databases.
 */
class PostgresEngineTest extends EngineTest {
    static final String SERVER = "jdbc:postgresql://127.0.0.1:5432/";
    private final Set<String> created = new HashSet<>();

    @Override
    String url(String name) {
        // A name of this test JVM's own: builds of other work trees may share the server.
        String db = "setlist_engine_test_" + name + "_" + ProcessHandle.current().pid();
        if (created.add(db)) {
            PostgresDatabases.recreate(db);
        }
        return SERVER + db;
    }

    @Override
    String user() {
        return "postgres";
    }

    /** Creates throw-away databases on the local server. */
    static final class PostgresDatabases {
        private PostgresDatabases() {}

        static void recreate(String db) {
            try (Connection c = DriverManager.getConnection(SERVER + "postgres", "postgres", "");
                 Statement s = c.createStatement()) {
                s.execute("DROP DATABASE IF EXISTS " + db + " WITH (FORCE)");
                s.execute("CREATE DATABASE " + db);
            } catch (SQLException e) {
                throw new IllegalStateException("PostgreSQL must run on 127.0.0.1:5432 for this test: " + e.getMessage(), e);
            }
        }
    }
}
