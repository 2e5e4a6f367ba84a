package dev.setlist.relecloud;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;

/**
 * The planners' and operators' pages in a real Chromium: an administrator makes a new user a
 * planner, who sees the create-concert page while an agent does not (and the API refuses the
 * agent); the planner creates a concert, watches it until created, finds it in the list and in
 * search, and reads why a duplicate is rejected; an operator reads the traffic guard's limits,
 * changes a rate and disables, degrades and restores a flow.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PlanningAndOperationsBrowserTest extends BrowserTestBase {
    @Test
    @Order(1)
    void administrator_makesANewUserAPlanner_whoSeesTheCreatePage_andAnAgentDoesNot() {
        signInAs("admin", Harness.PASSWORD, "/console/users.html");
        browser.await("#new-name").sendKeys("nia");
        browser.await("#new-password").sendKeys("nia-password-1");
        browser.await("#create-user button").click();
        browser.await("tr[data-user='nia']");
        new Select(browser.await("#grant-user")).selectByValue("nia");
        new Select(browser.await("#grant-role-name")).selectByValue("planner");
        browser.await("#grant-role button").click();
        browser.until(d -> browser.all("tr[data-user='nia'] .grants li").size() == 1);

        signInAs("nia", "nia-password-1", "/console/relecloud/new-concert.html");
        assertThat(nav()).contains("Concerts", "New concert").doesNotContain("Cart", "Customers");
        assertThat(browser.await("#concert-form").isDisplayed()).isTrue();
        browser.screenshot("relecloud-07-planner-form");

        signInAs("ana", Harness.PASSWORD, "/console/relecloud/new-concert.html");
        assertThat(nav()).doesNotContain("New concert");
        assertThat(text(".problem")).startsWith("Not allowed.");
        assertThat(browser.all("#concert-form")).isEmpty();
        browser.screenshot("relecloud-08-agent-no-create");
        Harness.Response refused = agent.post("/api/relecloud/concerts", "{\"title\":\"Sneaky\"}");
        assertThat(refused.status()).isEqualTo(403);
        assertThat(refused.error()).isEqualTo("AccessDeniedException");
    }

    @Test
    @Order(2)
    void planner_createsAConcert_watchesItUntilCreated_andFindsItInTheListAndSearch() {
        signInAs("nia", "nia-password-1", "/console/relecloud/new-concert.html");
        LocalDateTime at = LocalDateTime.ofInstant(Instant.now(), ZoneId.systemDefault()).plusDays(1).withHour(19)
                .withMinute(30);
        fillConcert(at, "0");
        browser.await("#create-button").click();
        // the API's validation message shows beside the field it names
        assertThat(text("#capacity-error")).isEqualTo("Must have value greater than or equal to 1 (was 0).");
        assertThat(browser.await("#capacity").getAttribute("aria-invalid")).isEqualTo("true");
        browser.screenshot("relecloud-09-create-invalid");
        assertThat(browser.severe(m -> m.contains("status of 400"))).isEmpty();

        browser.await("#capacity").clear();
        browser.await("#capacity").sendKeys("300");
        browser.await("#create-button").click();
        browser.until(d -> !browser.all("#request-status [data-status='SUCCEEDED']").isEmpty());
        assertThat(text("#request-status")).contains("Aurora Sessions", "created", "The concert is on sale.");
        assertThat(browser.all("#requests tbody tr[data-status='SUCCEEDED']")).hasSize(1);
        browser.screenshot("relecloud-10-created");
        String created = browser.await("#created-link").getAttribute("href");

        // the same artist at the same venue and time again: accepted, then rejected with its reason
        fillConcert(at, "300");
        browser.await("#create-button").click();
        browser.until(d -> !browser.all("#request-status [data-status='FAILED']").isEmpty());
        assertThat(text("#request-status .reason")).startsWith("Rejected: Polaris Quartet already plays Lumen Theater");
        browser.screenshot("relecloud-10b-rejected");
        browser.next(() -> browser.open(created));
        assertThat(text("h1")).isEqualTo("Aurora Sessions");
        assertThat(text("#price")).isEqualTo("$55.50");
        assertThat(text("#seats-left")).isEqualTo("300 of 300");
        assertThat(text("main")).contains("7:30 PM");

        browser.next(() -> browser.open(base + "/console/relecloud/concerts.html"));
        assertThat(text("#count")).isEqualTo("1–20 of 37 upcoming concerts");
        assertThat(browser.await("#concerts tbody tr .concert-title").getText()).isEqualTo("Aurora Sessions");
        browser.await("#q").sendKeys("polaris");
        new Select(browser.await("#sort")).selectByValue("price");
        browser.await("#search-button").click();
        browser.until(d -> text("#count").equals("1–1 of 1 concert found"));
        assertThat(text("#concerts tbody")).contains("Aurora Sessions", "Polaris Quartet", "$55.50", "300 of 300");

        // an operator switches search to degraded mode: the planner is told the answer is simpler
        assertThat(operator.put("/api/v1/guard/flows/search-concerts/levers", "{\"degraded\": true}").status()).isEqualTo(200);
        try {
            browser.next(() -> browser.driver.navigate().refresh());
            browser.until(d -> !browser.all("#degraded").isEmpty());
            assertThat(text("#degraded")).startsWith("Simple search.");
            assertThat(text("#concerts tbody")).contains("Aurora Sessions");
            browser.screenshot("relecloud-11-degraded-search");
        } finally {
            operator.put("/api/v1/guard/flows/search-concerts/levers", "{\"degraded\": false}");
        }
    }

    private static void fillConcert(LocalDateTime at, String seats) {
        browser.await("#title").sendKeys("Aurora Sessions");
        browser.await("#artist").sendKeys("Polaris Quartet");
        browser.await("#genre").sendKeys("Classical");
        browser.await("#venue").sendKeys("Lumen Theater");
        browser.await("#location").sendKeys("New York, NY");
        browser.await("#date").sendKeys(at.format(DateTimeFormatter.ofPattern("MM/dd/yyyy")));
        browser.await("#time").sendKeys("0730PM");
        browser.await("#price").sendKeys("55.50");
        browser.await("#capacity").clear();
        browser.await("#capacity").sendKeys(seats);
    }

    @Test
    @Order(3)
    void operator_readsTheGuardsLimits_changesARate_degradesDisablesAndRestoresAFlow() {
        signInAs("olu", Harness.PASSWORD, "/console/guard.html");
        assertThat(nav()).contains("Traffic guard", "Concerts").doesNotContain("Cart", "Users");
        assertThat(browser.all("#flows-table tbody tr[data-flow]")).extracting(e -> e.getAttribute("data-flow"))
                .contains("create-concerts", "search-concerts", "list-concerts", "purchase-ticket");
        WebElement rate = browser.await("#limits-table tr[data-kind='flow-rate'][data-flow='purchase-ticket']");
        assertThat(rate.getText()).contains("/s, burst", "tokens used of the burst");
        assertThat(browser.all("#limits-table tr[data-kind='concurrency']")).hasSize(1);
        assertThat(text("#guard-cache")).contains("Backend");
        browser.screenshot("relecloud-14-guard");
        ((JavascriptExecutor) browser.driver).executeScript("document.getElementById('guard-limits').scrollIntoView()");
        browser.screenshot("relecloud-14b-guard-limits");
        ((JavascriptExecutor) browser.driver).executeScript("window.scrollTo(0, 0)");

        // a bad rate is refused beside the form; a good one holds
        WebElement perSecond = browser.await("#rate-list-concerts");
        perSecond.clear();
        perSecond.sendKeys("-1");
        browser.await("tr[data-flow='list-concerts'] form.rate-form button").click();
        assertThat(text("tr[data-flow='list-concerts'] .lever-status .problem")).contains("ratePerSecond");
        assertThat(browser.severe(m -> m.contains("status of 400"))).isEmpty();
        browser.await("#rate-list-concerts").clear();
        browser.await("#rate-list-concerts").sendKeys("20");
        browser.await("#rate-list-concerts-burst").clear();
        browser.await("#rate-list-concerts-burst").sendKeys("40");
        browser.await("tr[data-flow='list-concerts'] form.rate-form button").click();
        browser.until(d -> text("#guard-status").equals("Rate of list-concerts set to 20/s, burst 40."));
        assertThat(text("#flows-table tr[data-flow='list-concerts']")).contains("20/s, burst 40", "changed", "olu");
        JsonNode listing = operator.get("/api/v1/guard/flows/list-concerts").json();
        assertThat(listing.path("rate").path("perSecond").asDouble()).isEqualTo(20.0);
        assertThat(listing.path("rate").path("burst").asInt()).isEqualTo(40);

        // degraded, after a confirmation: search answers the simple way
        lever("search-concerts", "Force degraded");
        browser.until(d -> "true".equals(browser.await("#flows-table tr[data-flow='search-concerts']").getAttribute("data-degraded")));
        assertThat(agent.get("/api/relecloud/search?q=lanterns").json().path("degraded").asBoolean()).isTrue();
        // disabled: callers are refused until it is restored
        lever("search-concerts", "Disable");
        browser.until(d -> "true".equals(browser.await("#flows-table tr[data-flow='search-concerts']").getAttribute("data-disabled")));
        Harness.Response refused = agent.get("/api/relecloud/search?q=lanterns");
        assertThat(refused.status()).isEqualTo(503);
        assertThat(refused.error()).isEqualTo("FlowDisabled");
        browser.screenshot("relecloud-15-guard-disabled");
        lever("search-concerts", "Restore");
        browser.until(d -> "false".equals(browser.await("#flows-table tr[data-flow='search-concerts']").getAttribute("data-disabled")));
        lever("list-concerts", "Restore");
        browser.until(d -> !text("#flows-table tr[data-flow='list-concerts']").contains("changed"));
        Harness.Response again = agent.get("/api/relecloud/search?q=lanterns");
        assertThat(again.status()).isEqualTo(200);
        assertThat(again.json().path("degraded").asBoolean()).isFalse();
        assertThat(h.login("admin").get("/api/v1/audit").json().toString()).contains("SetGuardLevers", "olu");

        // Relecloud's state machines are shown to the operator as Relecloud's, read-only.
        browser.open(base + "/console/executions.html");
        assertThat(text("#machines tr[data-owner='Relecloud']")).contains("read-only");
        browser.open(base + "/console/executions.html?machine=" + Relecloud.PURCHASE);
        assertThat(text("#owner-note")).contains("belongs to Relecloud", "read-only");
    }

    /** Pulls a flow's lever in the page: its button, then the confirmation. */
    private static void lever(String flow, String action) {
        String row = "#flows-table tr[data-flow='" + flow + "'] ";
        browser.await(row + "button[data-action='" + action + "']").click();
        assertThat(text(row + ".confirm-box p")).startsWith(action.replace("Force degraded", "Switch") + " " + flow);
        browser.await(row + ".confirm-yes").click();
        browser.until(d -> text("#guard-status").contains(flow));
    }
}
