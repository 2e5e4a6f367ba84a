package dev.setlist.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.setlist.engine.Engine;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every EventBridge pattern operator, through TestEventPattern, on one event. */
class EventPatternTest {
    static final String EVENT = """
            {"version": "0", "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718", "detail-type": "TicketsPurchased",
             "source": "relecloud.sales", "account": "000000000000", "time": "2026-11-25T10:00:00Z",
             "region": "us-east-1", "resources": ["arn:aws:states:us-east-1:000000000000:execution:p:1"],
             "detail": {"concert": {"id": "c-42", "genre": "Jazz", "venue": "Blue Hall"}, "quantity": 3, "price": 49.5,
               "customer": {"email": "Ada@Example.com", "ip": "10.0.3.17"}, "coupon": null, "notes": "",
               "tags": ["vip", "early"], "agent": "agent-7"}}""";

    @TempDir
    static Path dir;
    static Engine engine;
    static EventBus bus;

    @BeforeAll
    static void start() {
        engine = Engine.builder().database("jdbc:h2:file:" + dir.resolve("db"), "sa", "").build();
        bus = EventBus.builder(engine).build();
    }

    @AfterAll
    static void stop() {
        bus.close();
        engine.close();
    }

    @ParameterizedTest(name = "{0} → {1}")
    @CsvSource(delimiter = '|', textBlock = """
            {"source": ["relecloud.sales"]}                                                   | true
            {"source": ["relecloud.other"]}                                                   | false
            {"detail": {"concert": {"genre": ["Jazz", "Rock"]}}}                             | true
            {"detail-type": [{"prefix": "Tickets"}]}                                          | true
            {"detail-type": [{"prefix": "Concert"}]}                                          | false
            {"detail-type": [{"suffix": "Purchased"}]}                                        | true
            {"detail": {"customer": {"email": [{"equals-ignore-case": "ada@example.com"}]}}}  | true
            {"detail": {"concert": {"venue": [{"wildcard": "Blue*"}]}}}                       | true
            {"detail": {"concert": {"venue": [{"wildcard": "*Arena"}]}}}                      | false
            {"detail": {"concert": {"genre": [{"anything-but": ["Rock", "Pop"]}]}}}           | true
            {"detail": {"concert": {"genre": [{"anything-but": "Jazz"}]}}}                    | false
            {"detail": {"concert": {"genre": [{"anything-but": {"prefix": "Ja"}}]}}}          | false
            {"detail": {"concert": {"genre": [{"anything-but": {"suffix": "ock"}}]}}}         | true
            {"detail": {"agent": [{"anything-but": {"equals-ignore-case": ["AGENT-7"]}}]}}    | false
            {"detail": {"quantity": [{"numeric": [">", 2, "<=", 5]}]}}                        | true
            {"detail": {"price": [{"numeric": [">=", 50]}]}}                                  | false
            {"detail": {"price": [{"numeric": ["=", 49.5]}]}}                                 | true
            {"detail": {"customer": {"ip": [{"cidr": "10.0.0.0/16"}]}}}                       | true
            {"detail": {"customer": {"ip": [{"cidr": "192.168.0.0/24"}]}}}                    | false
            {"detail": {"quantity": [{"exists": true}]}}                                      | true
            {"detail": {"discount": [{"exists": false}]}}                                     | true
            {"detail": {"quantity": [{"exists": false}]}}                                     | false
            {"detail": {"coupon": [null]}}                                                    | true
            {"detail": {"notes": [""]}}                                                       | true
            {"detail": {"tags": ["vip"]}}                                                     | true
            {"$or": [{"detail": {"quantity": [1]}}, {"detail": {"agent": ["agent-7"]}}]}      | true
            {"$or": [{"detail": {"quantity": [1]}}, {"detail": {"agent": ["agent-8"]}}]}      | false
            {"source": ["relecloud.sales"], "detail": {"concert": {"id": ["c-41"]}}}          | false
            """)
    void testEventPattern_operator_matchesAsEventBridge(String pattern, boolean matches) {
        assertThat(bus.testEventPattern(pattern, EVENT)).isEqualTo(matches);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            {"source": "relecloud.sales"}                          | Event pattern is not valid
            {"detail": {"quantity": [{"numeric": [">", "x"]}]}}    | Event pattern is not valid
            {"detail": {"ip": [{"cidr": "10.0.0.0/99"}]}}          | Event pattern is not valid
            {"detail": {"x": [{"nonsense": 1}]}}                   | Event pattern is not valid
            {"source": [                                           | Event pattern is not valid JSON
            []                                                     | must be a non-empty JSON object
            {}                                                     | must be a non-empty JSON object
            """)
    void testEventPattern_invalidPattern_isRefusedWithTheProblem(String pattern, String message) {
        assertThatThrownBy(() -> bus.testEventPattern(pattern, EVENT))
                .isInstanceOf(EventsException.class)
                .hasMessageContaining(message)
                .satisfies(e -> assertThat(((EventsException) e).code())
                        .isEqualTo(EventsException.Code.InvalidEventPatternException));
    }

    @org.junit.jupiter.api.Test
    void testEventPattern_eventWithoutRequiredFields_isRefused() {
        assertThatThrownBy(() -> bus.testEventPattern("{\"source\": [\"a\"]}", "{\"source\": \"a\"}"))
                .hasMessageContaining("it has no 'id'");
    }
}
