package dev.setlist.relecloud.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The command line with Relecloud: its commands, and the demo with its sample data and sign-ins. */
class DemoCommandTest {

    @Test
    void commandLine_hasTheServerCommandsAndTheDemo() {
        StringWriter out = new StringWriter();
        int code = RelecloudMain.execute(new PrintWriter(out), new PrintWriter(new StringWriter()), "--help");
        assertThat(code).isZero();
        assertThat(out.toString()).contains("asl").contains("serve").contains("flows").contains("demo");
        StringWriter demoHelp = new StringWriter();
        RelecloudMain.execute(new PrintWriter(demoHelp), new PrintWriter(new StringWriter()), "demo", "--help");
        assertThat(demoHelp.toString()).contains("--port").contains("--data");
    }

    @Test
    void demo_startsWithSampleData_printsTheSignIns_whichWork() throws Exception {
        Path data = Files.createTempDirectory("relecloud-demo");
        StringWriter out = new StringWriter();
        try (DemoCommand.Demo demo = DemoCommand.start(0, data, 0, new PrintWriter(out))) {
            String printed = out.toString();
            assertThat(printed).contains("http://localhost:" + demo.server().port()).contains("sample data loaded");
            HttpClient http = HttpClient.newHttpClient();
            for (String user : new String[] {"admin", "pat", "ana", "olu"}) {
                String password = printed.lines().filter(l -> l.trim().startsWith(user + " ")).findFirst().orElseThrow()
                        .replaceAll(".*password ", "").trim();
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                        + demo.server().port() + "/api/v1/session")).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"user\":\"" + user + "\",\"password\":\"" + password
                                + "\"}")).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).as(user).isEqualTo(200);
            }
            assertThat(demo.relecloud().store().countUpcoming(java.time.Instant.now())).isGreaterThanOrEqualTo(30);
        }
    }
}
