package dev.setlist.flows;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class SensitivePathTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static String redact(String path, String doc) throws Exception {
        JsonNode n = JSON.readTree(doc);
        return SensitivePath.parse(path).redact(n).toString();
    }

    @Test
    void redact_replacesWhatThePathNames() throws Exception {
        assertThat(redact("$.card", "{\"card\":\"4111\",\"n\":1}")).isEqualTo("{\"card\":\"**redacted**\",\"n\":1}");
        assertThat(redact("$.customer.email", "{\"customer\":{\"email\":\"a@b\",\"name\":\"A\"}}"))
                .isEqualTo("{\"customer\":{\"email\":\"**redacted**\",\"name\":\"A\"}}");
        assertThat(redact("$.items[*].token", "{\"items\":[{\"token\":1},{\"token\":2,\"x\":3}]}"))
                .isEqualTo("{\"items\":[{\"token\":\"**redacted**\"},{\"token\":\"**redacted**\",\"x\":3}]}");
        assertThat(redact("$.items[1]", "{\"items\":[1,2,3]}")).isEqualTo("{\"items\":[1,\"**redacted**\",3]}");
        assertThat(redact("$..cvv", "{\"cvv\":1,\"a\":[{\"cvv\":2},{\"b\":{\"cvv\":{\"x\":3}}}]}"))
                .isEqualTo("{\"cvv\":\"**redacted**\",\"a\":[{\"cvv\":\"**redacted**\"},{\"b\":{\"cvv\":\"**redacted**\"}}]}");
        assertThat(redact("$['odd key']", "{\"odd key\":1}")).isEqualTo("{\"odd key\":\"**redacted**\"}");
        assertThat(redact("$", "{\"a\":1}")).isEqualTo("\"**redacted**\"");
        assertThat(redact("$.card", "[1,2]")).as("no such field: unchanged").isEqualTo("[1,2]");
        assertThat(redact("$.card.number", "{\"card\":\"4111\"}")).isEqualTo("{\"card\":\"4111\"}");
    }

    @Test
    void parse_refusesWhatItCannotRead() {
        assertThatThrownBy(() -> SensitivePath.parse("card")).hasMessageContaining("does not start with '$'");
        assertThatThrownBy(() -> SensitivePath.parse("$.a[")).hasMessageContaining("is not closed");
        assertThatThrownBy(() -> SensitivePath.parse("$..")).hasMessageContaining("expected a field name after '..'");
    }
}
