package dev.setlist.relecloud;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.interactions.Actions;

/**
 * The call-center pages in a real Chromium: an agent searches, fills the cart and buys for a
 * customer (a double click buys once, under the cart line's idempotency key) and sees the ticket
 * images; a declined card is explained, issues no ticket, and another card then buys.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SalesPagesBrowserTest extends BrowserTestBase {
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
        // the purchase was made under the key the cart line was given when it was added, by one execution
        String purchaseId = purchases.get(0).path("purchaseId").asText();
        assertThat(h.relecloud.store().purchaseByKey(key).id()).isEqualTo(purchaseId);
        assertThat(agent.get("/api/relecloud/purchases/" + purchaseId).json().path("executionArn").asText())
                .endsWith(":" + purchaseId);
        assertThat(agent.get("/api/relecloud/concerts/" + concertId).json().path("seatsLeft").asInt())
                .isEqualTo(seatsBefore - 2);
        assertThat(browser.all("#lines tbody tr")).isEmpty();

        browser.next(() -> outcome.findElement(By.cssSelector("a.tickets-link")).click());
        assertThat(text("h1")).isEqualTo("Kim Lee");
        browser.until(d -> browser.all("li.ticket[data-image='READY'] img.ticket-image").size() == 2);
        browser.until(d -> browser.all("img.ticket-image").stream().allMatch(SalesPagesBrowserTest::loadedImage));
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
        browser.await("#card-expiry").sendKeys("12/99");
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

        // the customer's page lists both purchases, the declined one with its reason
        browser.next(() -> browser.await("header nav a[href='/console/relecloud/customers.html']").click());
        browser.await("#find-email").sendKeys("raj");
        browser.await("#find-customer button").click();
        browser.next(() -> browser.await("#customers tr[data-customer] a").click());
        assertThat(text("h1")).isEqualTo("Raj Patel");
        browser.until(d -> browser.all("#purchase-list tbody tr[data-status]").size() == 2);
        assertThat(text("#purchase-list tr[data-status='FAILED']")).contains("not bought", "card declined");
        assertThat(text("#purchase-list tr[data-status='SUCCEEDED']")).contains("bought", "$", "ana");
        browser.until(d -> browser.all("img.ticket-image").stream().anyMatch(SalesPagesBrowserTest::loadedImage));
        browser.screenshot("relecloud-13b-customer-purchases");
    }

}
