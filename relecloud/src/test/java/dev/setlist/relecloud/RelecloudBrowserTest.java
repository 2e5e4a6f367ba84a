package dev.setlist.relecloud;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.Select;

/**
 * Relecloud's call-center pages in a real Chromium against a real server with the sample data and
 * the payment gateway simulator: an agent searches, fills the cart and buys for a customer (a
 * double click buys once) and sees the ticket images; an administrator makes a new user a planner
 * who then creates a concert, watches it being created and finds it; a declined card is explained
 * and issues no ticket. After each test the browser's console must hold no error.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RelecloudBrowserTest {
    static Harness h;
    static Browser browser;
    static String base;
    static Harness.User agent;
    static Harness.User operator;

    @BeforeAll
    static void start() {
        browser = new Browser();
        h = new Harness();
        DemoData.load(h.relecloud.store(), h.server.authStore(), h.server.clock().now());
        base = h.base();
        agent = h.login("ana");
        operator = h.login("olu");
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.close();
        }
        if (h != null) {
            h.close();
        }
    }

    @AfterEach
    void noErrorsInTheBrowserConsole() {
        assertThat(browser.severe(m -> false)).isEmpty();
    }

    private static String text(String css) {
        return browser.await(css).getText();
    }

    private static void signInAs(String user, String password, String page) {
        browser.driver.manage().deleteAllCookies();
        browser.open(base + page);
        browser.until(d -> d.getCurrentUrl().contains("/console/login.html"));
        browser.await("#user").sendKeys(user);
        browser.await("#password").sendKeys(password);
        browser.next(() -> browser.await("#signin-button").click());
        assertThat(browser.driver.getCurrentUrl()).isEqualTo(base + page);
        assertThat(text("#signed-in-user")).isEqualTo(user);
    }

    private static List<String> nav() {
        return browser.all("header nav a").stream().map(WebElement::getText).toList();
    }

    private static long customerId(String email) {
        return agent.get("/api/relecloud/customers?email=" + email).json().path("items").get(0).path("id").asLong();
    }

    @Test
    @Order(1)
    void agent_searchesAConcert_fillsTheCart_buysForACustomerWithADoubleClick_andSeesTheTickets() {
        signInAs("ana", Harness.PASSWORD, "/console/relecloud/concerts.html");
        assertThat(nav()).contains("Concerts", "Cart", "Customers").doesNotContain("New concert", "Users");
        assertThat(text("#count")).isEqualTo("1–20 of 36 upcoming concerts");
        assertThat(browser.all("#concerts tbody tr")).hasSize(20);
        browser.screenshot("relecloud-01-upcoming");

        browser.await("#q").sendKeys("midnight echoes");
        browser.await("#search-button").click();
        browser.until(d -> text("#count").equals("1–3 of 3 concerts found"));
        assertThat(browser.all("#degraded")).isEmpty();
        assertThat(browser.driver.getCurrentUrl()).contains("q=midnight+echoes");
        browser.screenshot("relecloud-02-search");
        WebElement first = browser.await("#concerts tbody tr");
        String title = first.findElement(By.cssSelector(".concert-title")).getText();
        assertThat(title).startsWith("Midnight Echoes");
        browser.next(() -> first.findElement(By.cssSelector(".concert-title")).click());
        assertThat(text("h1")).isEqualTo(title);
        long concertId = Long.parseLong(browser.driver.getCurrentUrl().replaceAll(".*id=", ""));
        int seatsBefore = Integer.parseInt(browser.await("#seats-left .seats").getAttribute("data-seats"));

        WebElement quantity = browser.await("#quantity");
        quantity.clear();
        quantity.sendKeys("2");
        browser.await("#add-button").click();
        assertThat(text("#cart-status .notice")).startsWith("Added 2 tickets to the cart (2 in the cart).");
        browser.screenshot("relecloud-03-concert-added");
        browser.next(() -> browser.await("#go-to-cart").click());
        assertThat(browser.all("#lines tbody tr")).hasSize(1);
        assertThat(browser.await("#buy").isEnabled()).isFalse();

        // an unknown email offers to create the customer; a known beginning finds them
        browser.await("#find-email").sendKeys("nobody.here@");
        browser.await("#find-customer button").click();
        assertThat(text("#no-customer")).contains("No customer");
        browser.await("#find-email").clear();
        browser.await("#find-email").sendKeys("kim.lee");
        browser.await("#find-customer button").click();
        browser.await("#customer-results li[data-customer] button.choose").click();
        assertThat(text("#chosen-customer")).contains("Kim Lee", "kim.lee@example.com");
        WebElement buy = browser.await("#buy");
        assertThat(buy.getText()).startsWith("Buy 2 tickets for $");
        browser.screenshot("relecloud-04-cart");

        String key = (String) ((JavascriptExecutor) browser.driver).executeScript(
                "return JSON.parse(sessionStorage.getItem('relecloud.cart.ana')).lines[0].key");
        new Actions(browser.driver).doubleClick(buy).perform();
        browser.until(d -> !browser.all("li.outcome[data-outcome]").isEmpty());
        WebElement outcome = browser.await("li.outcome[data-outcome]");
        assertThat(outcome.getAttribute("data-outcome")).isEqualTo("succeeded");
        assertThat(outcome.getText()).contains("Bought", "Seats");
        browser.screenshot("relecloud-05-bought");
        long kim = customerId("kim.lee");
        JsonNode purchases = agent.get("/api/relecloud/purchases?customerId=" + kim).json().path("items");
        assertThat(purchases).hasSize(1);
        // the purchase ran under the key the cart line was given when it was added
        assertThat(agent.get("/api/relecloud/purchases/" + purchases.get(0).path("purchaseId").asText()).json()
                .path("executionArn").asText()).endsWith(":" + key);
        assertThat(agent.get("/api/relecloud/concerts/" + concertId).json().path("seatsLeft").asInt())
                .isEqualTo(seatsBefore - 2);
        assertThat(browser.all("#lines tbody tr")).isEmpty();

        browser.next(() -> outcome.findElement(By.cssSelector("a.tickets-link")).click());
        assertThat(text("h1")).isEqualTo("Kim Lee");
        browser.until(d -> browser.all("li.ticket[data-image='READY'] img.ticket-image").size() == 2);
        browser.until(d -> browser.all("img.ticket-image").stream().allMatch(RelecloudBrowserTest::loadedImage));
        assertThat(text("ul.tickets")).contains(title, "Seat");
        assertThat(browser.all("#purchase-list tbody tr[data-status='SUCCEEDED']")).hasSize(1);
        browser.screenshot("relecloud-06-tickets");
    }

    private static boolean loadedImage(WebElement img) {
        Object w = ((JavascriptExecutor) browser.driver).executeScript(
                "return arguments[0].complete ? arguments[0].naturalWidth : 0", img);
        return ((Number) w).intValue() > 0;
    }

    @Test
    @Order(2)
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
    @Order(3)
    void planner_createsAConcert_watchesItUntilCreated_andFindsItInTheListAndSearch() {
        signInAs("nia", "nia-password-1", "/console/relecloud/new-concert.html");
        LocalDateTime at = LocalDateTime.ofInstant(Instant.now(), ZoneId.systemDefault()).plusDays(1).withHour(19)
                .withMinute(30);
        fillConcert(at, "0");
        browser.await("#create-button").click();
        // the API's validation message shows beside the field it names
        assertThat(text("#capacity-error")).contains("between 1 and 100000");
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
        assertThat(operator.put("/api/relecloud/degraded", "{\"search-concerts\": true}").status()).isEqualTo(200);
        try {
            browser.next(() -> browser.driver.navigate().refresh());
            browser.until(d -> !browser.all("#degraded").isEmpty());
            assertThat(text("#degraded")).startsWith("Simple search.");
            assertThat(text("#concerts tbody")).contains("Aurora Sessions");
            browser.screenshot("relecloud-11-degraded-search");
        } finally {
            operator.put("/api/relecloud/degraded", "{\"search-concerts\": false}");
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
    @Order(4)
    void declinedCard_isExplainedToTheAgent_andIssuesNoTicket() {
        signInAs("ana", Harness.PASSWORD, "/console/relecloud/concerts.html");
        browser.next(() -> browser.await("#concerts tbody tr:nth-child(3) .concert-title").click());
        long concertId = Long.parseLong(browser.driver.getCurrentUrl().replaceAll(".*id=", ""));
        int seatsBefore = Integer.parseInt(browser.await("#seats-left .seats").getAttribute("data-seats"));
        browser.await("#add-button").click();
        browser.next(() -> browser.await("#go-to-cart").click());
        browser.await("#find-email").sendKeys("raj.patel@");
        browser.await("#find-customer button").click();
        browser.await("#customer-results li[data-customer] button.choose").click();
        browser.await("#card-number").sendKeys("4000 0000 0000 0002");
        browser.await("#card-expiry").sendKeys("12/29");
        browser.await("#card-holder").sendKeys("Raj Patel");
        browser.await("#buy").click();
        browser.until(d -> !browser.all("li.outcome[data-outcome]").isEmpty());
        WebElement outcome = browser.await("li.outcome[data-outcome]");
        assertThat(outcome.getAttribute("data-outcome")).isEqualTo("failed");
        assertThat(outcome.findElement(By.cssSelector(".reason")).getText())
                .isEqualTo("The card was declined. Ask the customer for another card.");
        assertThat(outcome.getText()).contains("No ticket was issued and the card was not charged.");
        assertThat(browser.all("#lines tbody tr")).hasSize(1);
        browser.screenshot("relecloud-12-declined");

        long raj = customerId("raj.patel");
        assertThat(agent.get("/api/relecloud/customers/" + raj + "/tickets").json().path("items")).isEmpty();
        JsonNode purchases = agent.get("/api/relecloud/purchases?customerId=" + raj).json().path("items");
        assertThat(purchases).hasSize(1);
        assertThat(purchases.get(0).path("error").asText()).isEqualTo("Payment.Declined");
        assertThat(agent.get("/api/relecloud/concerts/" + concertId).json().path("seatsLeft").asInt()).isEqualTo(seatsBefore);

        // with another card the same line is a new purchase, which succeeds
        browser.await("#card-number").clear();
        browser.await("#card-number").sendKeys("4242 4242 4242 4242");
        browser.await("#buy").click();
        browser.until(d -> browser.all("li.outcome[data-outcome='succeeded']").size() == 1);
        assertThat(agent.get("/api/relecloud/purchases?customerId=" + raj).json().path("items")).hasSize(2);
        browser.screenshot("relecloud-13-second-card");
    }

    @Test
    @Order(5)
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
