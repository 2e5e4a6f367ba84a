package dev.setlist.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.logging.Level;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * A headless Chromium (Debian's {@code chromium} and {@code chromedriver}) for the console's
 * browser tests, with a fresh profile, no network of its own (no background updates, sync or
 * QUIC), its console log kept for assertions, and screenshots under {@code target/screenshots/}.
 * Without Chromium a test is skipped on a developer's machine and fails on CI ({@code CI} set).
 * One per test class; close it after.
 */
public final class Browser implements AutoCloseable {
    public final ChromeDriver driver;
    private final WebDriverWait wait;
    private final Path profile;
    private final List<LogEntry> log = new ArrayList<>();

    public Browser() {
        String[] paths = Clients.chromium();
        try {
            profile = Files.createTempDirectory("setlist-chromium");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ChromeOptions options = new ChromeOptions();
        options.setBinary(paths[0]);
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--disable-extensions", "--disable-default-apps", "--no-default-browser-check",
                "--window-size=1400,1000", "--lang=en-US", "--user-data-dir=" + profile);
        options.setCapability("goog:loggingPrefs", Map.of("browser", "ALL"));
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(Path.of(paths[1]).toFile()).usingAnyFreePort().build();
        driver = new ChromeDriver(service, options);
        wait = new WebDriverWait(driver, Duration.ofSeconds(15));
    }

    public Browser open(String url) {
        driver.get(url);
        return this;
    }

    /** Waits until an element matching {@code css} is visible, and returns it. */
    public WebElement await(String css) {
        return wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector(css)));
    }

    /** Waits until an element matching {@code css} exists (visible or not, SVG included), and returns it. */
    public WebElement present(String css) {
        return wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector(css)));
    }

    public List<WebElement> all(String css) {
        return driver.findElements(By.cssSelector(css));
    }

    /** Waits until the page's main content has been drawn (the page module clears aria-busy). */
    public Browser loaded() {
        present("main[aria-busy='false']");
        return this;
    }

    public void until(Predicate<ChromeDriver> condition) {
        wait.until(d -> condition.test(driver));
    }

    /** Scrolls the first element matching {@code css} to the top of the window. */
    public Browser scrollTo(String css) {
        driver.executeScript("arguments[0].scrollIntoView({block: 'start'})", present(css));
        return this;
    }

    /** Saves a screenshot as {@code target/screenshots/<name>.png}. */
    public Path screenshot(String name) {
        try {
            Path dir = Path.of("target", "screenshots");
            Files.createDirectories(dir);
            Path file = dir.resolve(name + ".png");
            Files.write(file, driver.getScreenshotAs(OutputType.BYTES));
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The console entries at level SEVERE since the last call that {@code expected} does not excuse. */
    public List<String> severe(Predicate<String> expected) {
        for (LogEntry e : driver.manage().logs().get(LogType.BROWSER)) {
            log.add(e);
        }
        List<String> out = log.stream().filter(e -> e.getLevel().intValue() >= Level.SEVERE.intValue())
                .map(LogEntry::getMessage).filter(expected.negate()).toList();
        log.clear();
        return out;
    }

    @Override
    public void close() {
        try {
            driver.quit();
        } finally {
            try (var files = Files.walk(profile)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException e) {
                // a temporary profile: left behind at worst
            }
        }
    }
}
