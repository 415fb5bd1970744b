package dev.surge.stack;

import com.sun.security.auth.module.UnixSystem;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.awaitility.core.ThrowingRunnable;
import org.openqa.selenium.By;
import org.openqa.selenium.NoSuchElementException;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriverException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;

/**
 * Debian's Chromium, headless, driven through Debian's chromedriver: opens pages of a stack on 127.0.0.1, waits for
 * what they show, and keeps a PNG screenshot of the whole page in {@code target/console-screenshots/}.
 *
 * <p>Both binaries are given by path: chromedriver through the driver service, so Selenium never runs Selenium
 * Manager (which would look for, and download, a driver and a browser), and Chromium as the options' binary. When
 * either is missing, {@link #start} fails and says that {@code bash .ci/run} installs them.
 *
 * <p>A wait that runs out ({@link #waitFor}) fails with the page's URL, the browser console log and a screenshot
 * {@code NAME-failed.png}, so that a failure shows what the page did.
 */
final class HeadlessChromium implements AutoCloseable {
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    static final Path SCREENSHOTS = Path.of("target", "console-screenshots");
    static final int WIDTH = 1280;
    static final int HEIGHT = 900;
    /**
     * Selenium warns at every start that no CDP module (selenium-devtools-vNNN) matches this Chromium's version: none
     * is on the classpath, as this helper needs none (its two CDP commands go through chromedriver's own endpoint, not
     * Selenium's DevTools connection). Held in a field so that the level set here stays (loggers are weakly held).
     */
    private static final Logger CDP_VERSION_FINDER = Logger.getLogger("org.openqa.selenium.devtools.CdpVersionFinder");

    static {
        CDP_VERSION_FINDER.setLevel(Level.SEVERE);
    }

    private final String name;
    private final ChromeDriverService service;
    private final ChromeDriver driver;
    private final List<String> consoleLog = new ArrayList<>();

    private HeadlessChromium(String name, ChromeDriverService service, ChromeDriver driver) {
        this.name = name;
        this.service = service;
        this.driver = driver;
    }

    /** Starts Debian's chromium (/usr/bin) headless; {@code name} names its screenshots and chromedriver log. */
    static HeadlessChromium start(String name) {
        return start(name, CHROMIUM, CHROMEDRIVER);
    }

    static HeadlessChromium start(String name, Path chromium, Path chromedriver) {
        List<String> missing = new ArrayList<>();
        if (!Files.isExecutable(chromium)) {
            missing.add(chromium + " (Debian package chromium)");
        }
        if (!Files.isExecutable(chromedriver)) {
            missing.add(chromedriver + " (Debian package chromium-driver)");
        }
        if (!missing.isEmpty()) {
            throw new AssertionError("The browser test needs Debian's Chromium and its driver; missing: "
                    + String.join(", ", missing) + ". `bash .ci/run` installs them when missing (or, as root: "
                    + "apt-get install chromium chromium-driver).");
        }
        try {
            Files.createDirectories(SCREENSHOTS);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(chromedriver.toFile())
                .usingAnyFreePort()
                .withLogFile(SCREENSHOTS.resolve(name + "-chromedriver.log").toFile())
                .build();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(chromium.toFile());
        options.addArguments("--headless=new", "--window-size=" + WIDTH + "," + HEIGHT,
                // chromedriver turns background networking and sync off itself; these two are not among its defaults
                "--disable-component-update", "--disable-extensions");
        if (new UnixSystem().getUid() == 0) {
            // Chromium refuses to start its sandbox as root
            options.addArguments("--no-sandbox");
        }
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        try {
            return new HeadlessChromium(name, service, new ChromeDriver(service, options));
        } catch (WebDriverException e) {
            service.stop();
            throw new AssertionError("Chromium did not start through " + chromedriver + ": " + e.getMessage()
                    + " (chromedriver log: " + SCREENSHOTS.resolve(name + "-chromedriver.log").toAbsolutePath() + ")",
                    e);
        }
    }

    ChromeDriver driver() {
        return driver;
    }

    void open(String url) {
        driver.get(url);
    }

    /** The first element that {@code css} selects; {@link NoSuchElementException} when there is none. */
    WebElement find(String css) {
        return driver.findElement(By.cssSelector(css));
    }

    List<WebElement> findAll(String css) {
        return driver.findElements(By.cssSelector(css));
    }

    /**
     * Repeats {@code assertion} until it passes or {@code deadline} runs out (elements that are not there yet or were
     * replaced count as not yet); then fails with {@code what}, the URL, the browser console log and a screenshot.
     */
    void waitFor(String what, Duration deadline, ThrowingRunnable assertion) {
        try {
            Awaitility.await(what).atMost(deadline)
                    .pollInterval(Duration.ofMillis(100))
                    .ignoreExceptionsMatching(e -> e instanceof NoSuchElementException
                            || e instanceof StaleElementReferenceException)
                    .untilAsserted(assertion);
        } catch (ConditionTimeoutException e) {
            throw new AssertionError(failureReport(what + ": not within " + deadline), e);
        }
    }

    /**
     * Saves a PNG of the whole page, as wide as the viewport and as long as the document, to
     * {@code target/console-screenshots/NAME.png}.
     */
    Path screenshot() {
        return screenshot(name);
    }

    @SuppressWarnings("unchecked")
    private Path screenshot(String file) {
        // WebDriver's screenshot is the viewport only; Chromium's own command (sent through chromedriver) takes all
        Map<String, Object> content = (Map<String, Object>) driver.executeCdpCommand("Page.getLayoutMetrics", Map.of())
                .get("cssContentSize");
        Map<String, Object> shot = driver.executeCdpCommand("Page.captureScreenshot", Map.of(
                "format", "png",
                "captureBeyondViewport", true,
                "clip", Map.of("x", 0, "y", 0, "width", content.get("width"), "height", content.get("height"),
                        "scale", 1)));
        Path png = SCREENSHOTS.resolve(file + ".png");
        try {
            Files.write(png, Base64.getDecoder().decode((String) shot.get("data")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return png;
    }

    /** Every browser console message so far (chromedriver hands each out once; they are kept here). */
    List<String> consoleLog() {
        for (LogEntry entry : driver.manage().logs().get(LogType.BROWSER)) {
            consoleLog.add(entry.getLevel() + " " + entry.getMessage());
        }
        return List.copyOf(consoleLog);
    }

    /** {@code problem}, the page's URL, the browser console log and where the failure screenshot is. */
    String failureReport(String problem) {
        StringBuilder report = new StringBuilder(problem);
        try {
            report.append("\npage: ").append(driver.getCurrentUrl());
            report.append("\nscreenshot: ").append(screenshot(name + "-failed").toAbsolutePath());
            List<String> log = consoleLog();
            report.append("\nbrowser console (").append(log.size()).append(" messages):");
            log.forEach(line -> report.append("\n  ").append(line));
        } catch (WebDriverException | UncheckedIOException e) {
            report.append("\n(the browser could not report more: ").append(e.getMessage()).append(')');
        }
        return report.toString();
    }

    @Override
    public void close() {
        try {
            driver.quit();
        } finally {
            service.stop();
        }
    }
}
