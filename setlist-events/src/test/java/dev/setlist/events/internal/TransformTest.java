package dev.setlist.events.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.setlist.events.EventsException;
import dev.setlist.events.Target;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** InputTransformer templates with EventBridge's quoting rules. */
class TransformTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String EVENT = """
            {"version": "0", "id": "e-1", "detail-type": "Sold", "source": "relecloud.sales", "account": "000000000000",
             "time": "2026-11-25T10:00:00Z", "region": "us-east-1", "resources": [],
             "detail": {"a": "hello", "quote": "he said \\"hi\\"", "n": 5, "ok": true, "nothing": null,
                        "obj": {"k": "v", "m": 1}, "list": ["x", 2]}}""";

    static String apply(String template) throws Exception {
        Map<String, String> paths = new LinkedHashMap<>();
        for (String k : new String[] {"a", "quote", "n", "ok", "nothing", "obj", "list", "absent"}) {
            paths.put(k, "$.detail." + k);
        }
        Target t = new Target("t", "http://x", null, null, new Target.InputTransformer(paths, template), null);
        Transform.check(t);
        return Transform.apply(t, JSON.readTree(EVENT), "rule-1", "arn:aws:events:us-east-1:000000000000:rule/rule-1", 0);
    }

    static JsonNode json(String s) throws Exception {
        return JSON.readTree(s);
    }

    @Test
    void placeholderInsideALongerString_isReplacedWithoutQuotes() throws Exception {
        assertThat(apply("\"value is <a>\"")).isEqualTo("\"value is hello\"");
        assertThat(json(apply("{\"text\": \"value is <a>, n=<n>, ok=<ok>\"}")))
                .isEqualTo(json("{\"text\": \"value is hello, n=5, ok=true\"}"));
        assertThat(apply("\"<a> and <a>\"")).isEqualTo("\"hello and hello\"");
    }

    @Test
    void jsonTemplate_unquotedPlaceholders_areJsonValues_quotedOnesStrings() throws Exception {
        assertThat(json(apply("{\"a\": <a>, \"n\": <n>, \"ok\": <ok>, \"obj\": <obj>, \"list\": <list>, \"q\": \"<n>\"}")))
                .isEqualTo(json("{\"a\": \"hello\", \"n\": 5, \"ok\": true, \"obj\": {\"k\": \"v\", \"m\": 1},"
                        + " \"list\": [\"x\", 2], \"q\": \"5\"}"));
    }

    @Test
    void stringsWithQuotes_stayValidJsonInsideAString() throws Exception {
        assertThat(json(apply("{\"said\": \"<quote>!\"}")).get("said").asText()).isEqualTo("he said \"hi\"!");
        assertThat(json(apply("{\"said\": <quote>}")).get("said").asText()).isEqualTo("he said \"hi\"");
    }

    @Test
    void objectsInsideAString_loseTheirQuotes() throws Exception {
        assertThat(json(apply("{\"d\": \"detail is <obj>\"}")).get("d").asText()).isEqualTo("detail is {k:v,m:1}");
    }

    @Test
    void missingValues_areNullAsValues_andNothingInStrings() throws Exception {
        assertThat(json(apply("{\"x\": <absent>, \"y\": \"[<absent>]\", \"z\": <nothing>}")))
                .isEqualTo(json("{\"x\": null, \"y\": \"[]\", \"z\": null}"));
    }

    @Test
    void plainTextTemplate_getsTheRawText() throws Exception {
        assertThat(apply("<a> is in state <n>")).isEqualTo("hello is in state 5");
        assertThat(apply("<a> is in state \"<ok>\"")).isEqualTo("hello is in state \"true\"");
    }

    @Test
    void predefinedVariables() throws Exception {
        JsonNode out = json(apply("{\"rule\": \"<aws.events.rule-name>\", \"arn\": <aws.events.rule-arn>,"
                + " \"event\": <aws.events.event>, \"full\": <aws.events.event.json>}"));
        assertThat(out.get("rule").asText()).isEqualTo("rule-1");
        assertThat(out.get("arn").asText()).endsWith(":rule/rule-1");
        assertThat(out.get("event").has("detail")).isFalse();
        assertThat(out.get("event").get("id").asText()).isEqualTo("e-1");
        assertThat(out.get("full").get("detail").get("a").asText()).isEqualTo("hello");
    }

    @Test
    void jsonTemplate_withAPlaceholderAsKey_isRefused() {
        assertThatThrownBy(() -> apply("{<a>: 1}")).isInstanceOf(EventsException.class)
                .hasMessageContaining("Invalid InputTemplate for target t");
        assertThatThrownBy(() -> apply("{\"a\": <a>")).isInstanceOf(EventsException.class);
    }
}
