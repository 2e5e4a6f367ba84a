package dev.setlist.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.setlist.asl.Clock;
import dev.setlist.flows.Catalog;
import dev.setlist.flows.FlowMonitor;
import dev.setlist.flows.Outcome;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FlowsCommandTest {
    @TempDir
    Path dir;

    record Result(int code, String out, String err) {}

    private Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.execute(new PrintWriter(out), new PrintWriter(err), args);
        return new Result(code, out.toString(), err.toString());
    }

    private Path relecloud() throws IOException {
        try (InputStream in = FlowsCommandTest.class.getResourceAsStream("/relecloud-flows.yaml")) {
            Path p = dir.resolve("flows.yaml");
            Files.write(p, in.readAllBytes());
            return p;
        }
    }

    @Test
    void validate_validAndInvalidCatalogs_printsLocatedProblemsAndExitsOne() throws IOException {
        Path good = relecloud();
        Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, Files.readString(good).replace("availability: 99.9\n        hours: extended",
                "availability: 120\n        hours: extended"));

        Result r = run("flows", "validate", good.toString(), bad.toString(), dir.resolve("nope.yaml").toString());

        assertThat(r.code()).isEqualTo(1);
        assertThat(r.out()).contains(good + ": valid, 6 flows");
        assertThat(r.out()).contains(bad + ":148:23: /flows/2/targets/reliability/availability: must be between 0 and 100, was 120",
                bad + ":218:23: /flows/3/targets/reliability/availability: must be between 0 and 100, was 120");
        assertThat(r.out()).contains("nope.yaml: no such file").doesNotContain("Exception");
    }

    @Test
    void validate_allValid_exitsZero() throws IOException {
        assertThat(run("flows", "validate", relecloud().toString()).code()).isZero();
    }

    @Test
    @SuppressWarnings("try")
    void report_fromTheDataDirectory_reviewsEveryFlow() throws IOException, SQLException {
        Path catalogFile = relecloud();
        Path data = dir.resolve("data");
        JdbcDataSource ds = new JdbcDataSource();
        ds.setURL("jdbc:h2:file:" + data.toAbsolutePath().resolve("setlist"));
        ds.setUser("sa");
        ds.setPassword("");
        Instant monday = Instant.parse("2024-03-04T15:00:00Z");
        try (Connection keep = ds.getConnection()) {
            FlowMonitor monitor = FlowMonitor.builder(Catalog.load(catalogFile, null), ds).clock(Clock.manual(monday))
                    .nodeId("test").build();
            for (int i = 0; i < 100; i++) {
                monitor.record(Outcome.good("purchase-ticket", monday, Duration.ofMillis(300)));
            }
            monitor.record(Outcome.bad("purchase-ticket", monday, Duration.ofMillis(300), "PaymentDeclined"));
            monitor.close();
        }

        Result md = run("flows", "report", catalogFile.toString(), "--data", data.toString(), "--to",
                "2024-03-05T00:00:00Z", "--period", "7d");
        assertThat(md.code()).as(md.err()).isZero();
        assertThat(md.out()).startsWith("# Flow review: relecloud\n\nPeriod: 2024-02-27T00:00:00Z to 2024-03-05T00:00:00Z.");
        assertThat(md.out()).contains("| Purchase ticket (purchase-ticket) | user | high | 99.9% (extended) | 99.01% |");
        assertThat(md.out()).contains("| PaymentDeclined | 1 |");

        Path page = dir.resolve("review.html");
        Result html = run("flows", "report", catalogFile.toString(), "--data", data.toString(), "--format", "html",
                "--output", page.toString());
        assertThat(html.code()).isZero();
        assertThat(html.out()).contains("review.html: 6 flows reviewed");
        assertThat(Files.readString(page, StandardCharsets.UTF_8)).startsWith("<!DOCTYPE html>")
                .contains("<h2>Purchase ticket</h2>");
    }

    @Test
    void report_badOptionsAndMissingData_areClearErrors() throws IOException {
        Path catalogFile = relecloud();
        Result format = run("flows", "report", catalogFile.toString(), "--format", "pdf");
        assertThat(format.code()).isEqualTo(2);
        assertThat(format.err()).contains("--format: must be md or html, was \"pdf\"");

        Result period = run("flows", "report", catalogFile.toString(), "--period", "a month");
        assertThat(period.err()).contains("--period: must be a duration such as 7d, 12h or 90m, was \"a month\"");

        Result noData = run("flows", "report", catalogFile.toString(), "--data", dir.resolve("empty").toString());
        assertThat(noData.code()).isEqualTo(2);
        assertThat(noData.err()).contains("no recorded outcomes").doesNotContain("Exception");

        Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, "workload: shop\n");
        Result invalid = run("flows", "report", bad.toString(), "--data", dir.toString());
        assertThat(invalid.code()).isEqualTo(2);
        assertThat(invalid.err()).contains(bad + ":1:1: /: missing required field \"flows\"");
    }
}
