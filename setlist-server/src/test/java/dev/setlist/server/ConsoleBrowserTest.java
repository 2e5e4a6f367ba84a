package dev.setlist.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.setlist.asl.Clock;
import dev.setlist.flows.Incident;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;

/**
 * The console in a real Chromium against a real server with a flow catalog: signing in and coming
 * back, the flow map, a flow's page and acknowledging its incident, the executions of a state
 * machine, an execution's graph with the path it took, its trace, and an administrator creating a
 * user whose role decides what they see. The tests run in order on one browser and one server;
 * after each, the browser's console must hold no error. Screenshots go to {@code target/screenshots/}.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsoleBrowserTest {
    /** Reserve, price and pack an order, then charge it or decline it; Catch and Parallel and Map included. */
    static final String CHECKOUT = """
            {"Comment": "Checkout", "StartAt": "Validate", "States": {
              "Validate": {"Type": "Pass", "Next": "Check"},
              "Check": {"Type": "Choice", "Choices": [{"Variable": "$.amount", "NumericGreaterThan": 100, "Next": "Review"}],
                        "Default": "Prepare"},
              "Review": {"Type": "Pass", "Next": "Prepare"},
              "Prepare": {"Type": "Parallel", "ResultPath": "$.prepared", "Next": "Items",
                "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Refund"}],
                "Branches": [
                  {"StartAt": "Reserve", "States": {"Reserve": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage",
                    "Parameters": {"QueueUrl": "q", "MessageBody": {"order.$": "$.amount"}}, "End": true}}},
                  {"StartAt": "Price", "States": {"Price": {"Type": "Pass", "End": true}}}]},
              "Items": {"Type": "Map", "ItemsPath": "$.items", "ResultPath": null, "Next": "Decide",
                "ItemProcessor": {"StartAt": "Pack", "States": {"Pack": {"Type": "Pass", "End": true}}}},
              "Decide": {"Type": "Choice", "Choices": [{"Variable": "$.fail", "BooleanEquals": true, "Next": "Declined"}],
                         "Default": "Done"},
              "Refund": {"Type": "Pass", "Next": "Declined"},
              "Declined": {"Type": "Fail", "Error": "PaymentDeclined", "Cause": "The card was declined"},
              "Done": {"Type": "Succeed"}}}""";

    static OffsetClock clock;
    static TestServer server;
    static Browser browser;
    static String failedArn;
    static String waitingArn;
    static String base;

    /** Real time plus an offset the test moves forward, so alarms see whole minutes pass at once. */
    static final class OffsetClock implements Clock {
        private final AtomicReference<Duration> offset = new AtomicReference<>(Duration.ZERO);

        @Override
        public Instant now() {
            return Instant.now().plus(offset.get());
        }

        @Override
        public void sleepUntil(Instant instant) throws InterruptedException {
            long millis = Duration.between(now(), instant).toMillis();
            if (millis > 0) {
                Thread.sleep(Math.min(millis, 200));
            }
        }

        void advance(Duration d) {
            offset.updateAndGet(o -> o.plus(d));
        }
    }

    @BeforeAll
    static void start() throws URISyntaxException {
        browser = new Browser();
        Path flows = Path.of(ConsoleBrowserTest.class.getResource("/console-flows.yaml").toURI());
        clock = new OffsetClock();
        server = new TestServer(c -> c.withFlows(flows), b -> b.clock(clock));
        base = server.endpoint();
        String machine = server.machine("checkout", CHECKOUT, "STANDARD");
        JsonNode ok = server.ok("StartExecution", TestServer.json("stateMachineArn", machine, "name", "order-1",
                "input", "{\"amount\": 150, \"items\": [1, 2], \"fail\": false}"));
        JsonNode bad = server.ok("StartExecution", TestServer.json("stateMachineArn", machine, "name", "order-2",
                "input", "{\"amount\": 20, \"items\": [3], \"fail\": true}"));
        assertThat(server.await(ok.get("executionArn").asText()).get("status").asText()).isEqualTo("SUCCEEDED");
        assertThat(server.await(bad.get("executionArn").asText()).get("status").asText()).isEqualTo("FAILED");
        failedArn = bad.get("executionArn").asText();
        // an execution that waits for a callback: it stays RUNNING in its Send state
        String callback = server.machine("callback", TestServer.CALLBACK, "STANDARD");
        waitingArn = server.ok("StartExecution", TestServer.json("stateMachineArn", callback, "name", "waiting",
                "input", "{\"order\": 7}")).get("executionArn").asText();
        // the failed checkout is a bad outcome of its flow; a minute later the alarm fires and pages
        clock.advance(Duration.ofMinutes(1));
        server.server.flowMonitor().evaluate();
        assertThat(server.server.flowMonitor().openIncidents()).extracting(Incident::alarm).containsExactly("checkout-errors");
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.close();
        }
        if (server != null) {
            server.close();
        }
    }

    @AfterEach
    void noErrorsInTheBrowserConsole() {
        assertThat(browser.severe(m -> false)).isEmpty();
    }

    private static String text(String css) {
        return browser.await(css).getText();
    }

    private static void signIn(String user, String password) {
        browser.await("#user").sendKeys(user);
        browser.await("#password").sendKeys(password);
        browser.await("#signin-button").click();
    }

    @Test
    @Order(1)
    void visit_withoutSession_goesToSignIn_andComesBack() {
        browser.open(base + "/console/alarms.html?days=7");
        browser.until(d -> d.getCurrentUrl().contains("/console/login.html?next="));
        browser.screenshot("01-sign-in");
        signIn("admin", TestServer.PASSWORD);
        browser.until(d -> d.getCurrentUrl().equals(base + "/console/alarms.html?days=7"));
        browser.loaded();
        assertThat(text("#signed-in-user")).isEqualTo("admin");
        assertThat(browser.all("header nav a")).extracting(WebElement::getText)
                .containsExactly("Flows", "Alarms", "Executions", "Traces", "Traffic guard", "Users", "Audit log");
        assertThat(browser.await("header nav a[aria-current='page']").getText()).isEqualTo("Alarms");
        assertThat(browser.all("#alarms tr[data-alarm='checkout-errors'] .badge").getFirst().getText()).isEqualTo("ALARM");
        browser.screenshot("02-alarms");
    }

    @Test
    @Order(2)
    void flowMap_showsEveryFlowWithCriticalityStatusAndDependencies() {
        browser.open(base + "/console/").loaded();
        List<WebElement> cards = browser.all("#flows li.card");
        assertThat(cards).extracting(c -> c.getAttribute("data-flow")).containsExactly("checkout", "payments", "status");
        WebElement checkout = browser.await("li.card[data-flow='checkout']");
        assertThat(checkout.getAttribute("data-status")).isEqualTo("ALARM");
        assertThat(checkout.findElement(By.cssSelector(".crit")).getText()).isEqualToIgnoringCase("high");
        assertThat(checkout.findElement(By.cssSelector(".kind")).getText()).isEqualTo("user flow");
        assertThat(checkout.getText()).contains("Head of Sales", "of 99.5% objective", "checkout-errors",
                "Depends on Take payments");
        assertThat(browser.await("li.card[data-flow='payments']").getAttribute("data-status")).isEqualTo("NO_DATA");
        assertThat(browser.await("li.card[data-flow='payments'] .crit").getText()).isEqualToIgnoringCase("medium");
        assertThat(browser.await("li.card[data-flow='payments']").getText()).contains("Used by Checkout");
        assertThat(browser.present("svg.deps-svg path.dep-edge[data-from='checkout'][data-to='payments']")).isNotNull();
        assertThat(browser.all("svg.deps-svg a.dep-node")).hasSize(3);
        browser.screenshot("03-flow-map");
    }

    @Test
    @Order(3)
    void flowPage_documentsTheFlow_andAcknowledgesItsIncident() {
        browser.open(base + "/console/").loaded();
        browser.await("li.card[data-flow='checkout'] h2 a").click();
        browser.loaded();
        assertThat(text("h1")).isEqualTo("Checkout");
        assertThat(browser.all("#escalation li")).extracting(WebElement::getText).containsExactly(
                "Application on-call by log, acknowledge within 5m", "Platform on-call by log, acknowledge within 10m");
        assertThat(text("main")).contains("selling goods", "Turn a basket into a paid order.", "No checkout, no revenue.",
                "data classification: confidential");
        assertThat(browser.all("#alarm-history tbody tr")).isNotEmpty();
        WebElement ack = browser.await("table.incidents button.ack");
        browser.scrollTo("#in").screenshot("04-flow-incident-open");
        ack.click();
        assertThat(text(".ack-status .notice")).startsWith("Acknowledged by admin");
        Incident i = server.server.flowMonitor().openIncidents().getFirst();
        assertThat(i.state()).isEqualTo(Incident.State.ACKNOWLEDGED);
        assertThat(i.acknowledgedBy()).isEqualTo("admin");
        browser.screenshot("05-flow-acknowledged");
    }

    @Test
    @Order(4)
    void executionPage_drawsTheMachineWithThePathTaken() {
        browser.open(base + "/console/executions.html").loaded();
        browser.await("#machines a");
        browser.driver.findElement(By.linkText("checkout")).click();
        browser.loaded();
        browser.await("#executions tbody tr[data-status]");
        assertThat(browser.all("#executions tbody tr")).hasSize(2);
        new Select(browser.await("#status")).selectByValue("FAILED");
        browser.until(d -> browser.all("#executions tbody tr[data-status]").size() == 1);
        browser.screenshot("06-executions");
        browser.await("#executions tbody tr[data-status='FAILED'] a").click();
        browser.loaded();
        assertThat(text("#error")).isEqualTo("PaymentDeclined");
        assertThat(text("#cause")).isEqualTo("The card was declined");

        for (String s : List.of("Validate", "Check", "Prepare", "Reserve", "Price", "Items", "Pack", "Decide")) {
            assertThat(state(s)).as(s).contains("state-succeeded");
        }
        assertThat(state("Declined")).contains("state-failed");
        assertThat(state("Review")).doesNotContain("state-");
        assertThat(state("Done")).doesNotContain("state-");
        assertThat(state("Refund")).doesNotContain("state-");
        assertThat(state("Prepare")).contains("group");
        assertThat(state("Items")).contains("group");
        assertThat(browser.present("#graph g.node[data-state='Prepare'] g.node[data-state='Reserve']")).isNotNull();
        assertThat(edge("Decide", "Declined")).contains("edge-choice", "edge-taken");
        assertThat(edge("Decide", "Done")).contains("edge-default").doesNotContain("edge-taken");
        assertThat(edge("Check", "Prepare")).contains("edge-default", "edge-taken");
        assertThat(edge("Check", "Review")).doesNotContain("edge-taken");
        assertThat(edge("Prepare", "Refund")).contains("edge-catch").doesNotContain("edge-taken");
        assertThat(browser.all("#history tbody tr")).hasSizeGreaterThan(10);
        assertThat(text("#input")).contains("\"fail\": true");
        browser.screenshot("07-execution-failed");
        browser.scrollTo("#graph-heading").screenshot("08-execution-graph");

        browser.open(base + "/console/execution.html?arn=" + java.net.URLEncoder.encode(waitingArn,
                java.nio.charset.StandardCharsets.UTF_8)).loaded();
        assertThat(browser.await(".panel .badge").getText()).isEqualTo("RUNNING");
        assertThat(state("Send")).contains("state-current");
        assertThat(edge("__start", "Send")).contains("edge-taken");
        assertThat(edge("Send", "__end")).doesNotContain("edge-taken");
    }

    private static String state(String name) {
        return browser.present("#graph g.node[data-state='" + name + "']").getAttribute("class");
    }

    private static String edge(String from, String to) {
        return browser.present("#graph path.edge[data-from='" + from + "'][data-to='" + to + "']").getAttribute("class");
    }

    @Test
    @Order(5)
    void traceView_showsTheSpansOfTheExecution() {
        browser.open(base + "/console/execution.html?arn=" + java.net.URLEncoder.encode(failedArn,
                java.nio.charset.StandardCharsets.UTF_8)).loaded();
        String traceId = text("#trace-link");
        browser.await("#trace-link").click();
        browser.loaded();
        assertThat(text("h1")).isEqualTo("Trace " + traceId);
        browser.await("#waterfall tr.span-row");
        List<String> names = browser.all("#waterfall tr.span-row").stream().map(r -> r.getAttribute("data-name")).toList();
        assertThat(names).contains("execution checkout", "task Reserve").anyMatch(n -> n.startsWith("POST /"));
        WebElement execution = browser.await("#waterfall tr.span-row[data-name='execution checkout']");
        assertThat(execution.getAttribute("class")).contains("status-ERROR");
        assertThat(execution.getText()).contains("checkout");
        execution.click();
        assertThat(execution.getAttribute("aria-expanded")).isEqualTo("true");
        assertThat(text("#waterfall tr.span-attrs:not([hidden])")).contains("setlist.execution.arn", failedArn);
        browser.screenshot("09-trace");
        browser.await("#trace-id").clear();
        browser.await("#trace-id").sendKeys(traceId);
        browser.await("form[role='search'] button").click();
        browser.loaded();
        assertThat(browser.all("#waterfall tr.span-row")).hasSize(names.size());
    }

    @Test
    @Order(6)
    void administrator_createsAUserAndGrantsARole_andTheUserSeesOnlyWhatTheRoleAllows() {
        browser.open(base + "/console/users.html").loaded();
        browser.await("#new-name").sendKeys("vera");
        browser.await("#new-password").sendKeys("vera-password-1");
        browser.await("#create-user button").click();
        browser.await("tr[data-user='vera']");
        new Select(browser.await("#grant-user")).selectByValue("vera");
        new Select(browser.await("#grant-role-name")).selectByValue("viewer");
        browser.await("#grant-role button").click();
        browser.until(d -> browser.all("tr[data-user='vera'] .grants li").size() == 1);
        assertThat(text("tr[data-user='vera'] .grants li")).startsWith("viewer on *");
        new Select(browser.await("#grant-user")).selectByValue("vera");
        new Select(browser.await("#grant-role-name")).selectByValue("operator");
        browser.await("#grant-role button").click();
        browser.until(d -> browser.all("tr[data-user='vera'] .grants li").size() == 2);
        // a revocation asks first: nothing is sent until it is confirmed
        browser.await("button.revoke[aria-label='Revoke operator on * from vera']").click();
        assertThat(text("tr[data-user='vera'] .confirm-box p")).isEqualTo("Revoke operator on * from vera?");
        browser.await("tr[data-user='vera'] .confirm-no").click();
        assertThat(browser.all("tr[data-user='vera'] .confirm-box")).isEmpty();
        assertThat(server.server.authStore().grants("vera")).hasSize(2);
        browser.await("button.revoke[aria-label='Revoke operator on * from vera']").click();
        browser.await("tr[data-user='vera'] .confirm-yes").click();
        browser.until(d -> browser.all("tr[data-user='vera'] .grants li").size() == 1);
        assertThat(text("#users-status")).isEqualTo("Revoked operator from vera.");
        // the last administrator's role cannot be revoked: the refusal shows, the grant stays
        browser.await("button.revoke[aria-label='Revoke administrator on * from admin']").click();
        browser.await("tr[data-user='admin'] .confirm-yes").click();
        browser.until(d -> text("#users-status").contains("last grant of the administrator role"));
        assertThat(server.server.authStore().grants("admin")).extracting(g -> g.role()).contains("administrator");
        assertThat(browser.severe(m -> m.contains("status of 409"))).as("only the expected refusal").isEmpty();
        assertThat(server.server.authStore().grants("vera")).extracting(g -> g.role()).containsExactly("viewer");
        browser.await("tr[data-user='vera'] button.new-key").click();
        assertThat(text("#new-api-key")).isNotBlank();
        assertThat(browser.all("#keys tbody tr")).anyMatch(r -> r.getText().contains("vera"));
        browser.screenshot("10-users");
        browser.open(base + "/console/audit.html").loaded();
        assertThat(text("#audit tbody")).contains("CreateUser", "GrantRole", "vera");

        browser.await("#sign-out").click();
        browser.until(d -> d.getCurrentUrl().contains("/console/login.html"));
        browser.open(base + "/console/");
        browser.until(d -> d.getCurrentUrl().contains("/console/login.html"));
        signIn("vera", "vera-password-1");
        browser.until(d -> d.getCurrentUrl().equals(base + "/console/"));
        browser.loaded();
        assertThat(text("#signed-in-user")).isEqualTo("vera");
        assertThat(browser.all("header nav a")).extracting(WebElement::getText)
                .containsExactly("Flows", "Alarms", "Executions", "Traces", "Traffic guard");
        assertThat(browser.all("#flows li.card")).hasSize(3);
        browser.screenshot("11-viewer-flows");
        // the users page is for administrators: a viewer who opens it is told so, and nothing is asked of the API
        browser.open(base + "/console/users.html").loaded();
        assertThat(text(".problem")).startsWith("Not allowed. Your roles do not include this page.");
        assertThat(browser.all("#users")).isEmpty();
        browser.screenshot("12-viewer-denied");
    }
}
