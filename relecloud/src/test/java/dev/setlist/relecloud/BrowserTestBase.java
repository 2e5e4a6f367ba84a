package dev.setlist.relecloud;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.openqa.selenium.WebElement;

/**
 * What Relecloud's browser tests share: a real Chromium against a real server with the sample
 * data and the payment gateway simulator, users of every role, signing in through the sign-in
 * page, and after each test a browser console without errors. Screenshots go to
 * {@code target/screenshots/}.
 */
abstract class BrowserTestBase {
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

    static String text(String css) {
        return browser.await(css).getText();
    }

    static void signInAs(String user, String password, String page) {
        browser.driver.manage().deleteAllCookies();
        browser.open(base + page);
        browser.until(d -> d.getCurrentUrl().contains("/console/login.html"));
        browser.await("#user").sendKeys(user);
        browser.await("#password").sendKeys(password);
        browser.next(() -> browser.await("#signin-button").click());
        assertThat(browser.driver.getCurrentUrl()).isEqualTo(base + page);
        assertThat(text("#signed-in-user")).isEqualTo(user);
    }

    static List<String> nav() {
        return browser.all("header nav a").stream().map(WebElement::getText).toList();
    }

    static long customerId(String email) {
        return agent.get("/api/relecloud/customers?email=" + email).json().path("items").get(0).path("id").asLong();
    }
}
