package dev.setlist.flows;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every file under {@code src/test/resources/catalog/} is a {@code flows.yaml} whose trailing
 * {@code # expect: LINE:COLUMN: /pointer: message} comments list the exact problems the loader
 * must report for it, in order ({@code # expect: valid} for a valid one). The comments come last
 * so that they shift no line of the document. Bindings are checked
 * against a server that knows the routes {@code GET /api/concerts} and {@code POST /api/tickets},
 * the state machine {@code purchase-ticket} and the event rule {@code ticket-purchased}.
 */
class CatalogCorpusTest {
    static final Bindings SERVER = Bindings.of(Set.of("GET /api/concerts", "POST /api/tickets"),
            Set.of("purchase-ticket"), Set.of("ticket-purchased"));

    static Stream<String> cases() throws IOException, URISyntaxException {
        URL dir = CatalogCorpusTest.class.getResource("/catalog");
        try (Stream<Path> files = Files.list(Path.of(dir.toURI()))) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".yaml")).sorted().toList().stream();
        }
    }

    static String read(String resource) throws IOException {
        try (InputStream in = CatalogCorpusTest.class.getResourceAsStream(resource)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void check_corpusCase_reportsExactlyTheExpectedProblems(String file) throws IOException {
        String text = read("/catalog/" + file);
        List<String> expected = text.lines().filter(l -> l.startsWith("# expect: ")).map(l -> l.substring(10))
                .filter(l -> !l.equals("valid")).toList();

        List<Problem> problems = Catalog.check(text, SERVER);

        assertThat(problems).map(Problem::located).containsExactlyElementsOf(expected);
    }
}
