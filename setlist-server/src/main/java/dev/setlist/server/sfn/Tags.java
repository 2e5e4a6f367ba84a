package dev.setlist.server.sfn;

import dev.setlist.server.http.ApiException;
import dev.setlist.server.store.Sql;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Tags of state machines and activities (at most 50 per resource), in the server's tables. Thread safe. */
public final class Tags {
    private static final int MAX = 50;
    private final Sql sql;

    public Tags(Sql sql) {
        this.sql = sql;
    }

    /** Reads a {@code [{key, value}]} member and checks AWS's limits. */
    public static Map<String, String> read(List<Req> entries, String member) {
        Map<String, String> tags = new LinkedHashMap<>();
        if (entries == null) {
            return tags;
        }
        for (int i = 0; i < entries.size(); i++) {
            Req t = entries.get(i);
            String key = t.optStr("key", 1, 128);
            if (key == null) {
                throw ApiException.missing(member + "." + (i + 1) + ".member.key");
            }
            String value = t.optStr("value", 0, 256);
            if (key.startsWith("aws:")) {
                throw ApiException.validation("Tag keys must not start with 'aws:', was '" + key + "'");
            }
            tags.put(key, value == null ? "" : value);
        }
        return tags;
    }

    public void put(String resourceArn, Map<String, String> tags) {
        if (tags.isEmpty()) {
            return;
        }
        sql.transaction(c -> {
            for (var e : tags.entrySet()) {
                Sql.update(c, "DELETE FROM sl_tag WHERE resource_arn = ? AND tag_key = ?", resourceArn, e.getKey());
                Sql.update(c, "INSERT INTO sl_tag (resource_arn, tag_key, tag_value) VALUES (?, ?, ?)", resourceArn, e.getKey(),
                        e.getValue());
            }
            long count = Sql.query(c, "SELECT COUNT(*) FROM sl_tag WHERE resource_arn = ?", rs -> rs.getLong(1), resourceArn)
                    .get(0);
            if (count > MAX) {
                throw ApiException.badRequest("TooManyTags", "Too many tags: '" + resourceArn + "' would have " + count
                        + " tags (at most " + MAX + ")");
            }
            return null;
        });
    }

    public void remove(String resourceArn, List<String> keys) {
        sql.transaction(c -> {
            for (String k : keys) {
                Sql.update(c, "DELETE FROM sl_tag WHERE resource_arn = ? AND tag_key = ?", resourceArn, k);
            }
            return null;
        });
    }

    public Map<String, String> of(String resourceArn) {
        Map<String, String> tags = new LinkedHashMap<>();
        sql.query("SELECT tag_key, tag_value FROM sl_tag WHERE resource_arn = ? ORDER BY tag_key", rs -> {
            tags.put(rs.getString(1), rs.getString(2));
            return null;
        }, resourceArn);
        return tags;
    }

    public void removeAll(String resourceArn) {
        sql.update("DELETE FROM sl_tag WHERE resource_arn = ?", resourceArn);
    }
}
