package dev.muster.server;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;

/**
 * Debian's chromium, headless, driven through Debian's chromedriver, both given by path so
 * Selenium Manager never looks anything up on the network. Every request that is not to
 * loopback goes to a proxy that is not there, so a page that tried to load anything from
 * elsewhere (a CDN) would show an error in its console. The console is kept at every level.
 *
 * <p>Not thread-safe: one test thread drives it.
 */
final class HeadlessChromium implements AutoCloseable {

    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

    private final ChromeDriver driver;

    private HeadlessChromium(ChromeDriver driver) {
        this.driver = driver;
    }

    /**
     * Starts the browser with a {@code width} x {@code height} window. Without chromium or
     * chromedriver the test is skipped, unless the environment variable CI is set (CI installs
     * them, see .ci/run): there it fails.
     */
    static HeadlessChromium start(int width, int height) {
        boolean present = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
        String missing = "the browser test needs " + CHROMIUM + " and " + CHROMEDRIVER + " (Debian: apt-get install"
                + " chromium chromium-driver; .ci/run installs them)";
        if (!present && System.getenv("CI") != null) {
            throw new AssertionError(missing + ", and CI is set, so it does not skip");
        }
        Assumptions.assumeTrue(present, missing);
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=" + width + "," + height, "--hide-scrollbars", "--force-device-scale-factor=1",
                "--no-first-run", "--disable-extensions", "--disable-background-networking",
                "--proxy-server=http://127.0.0.1:9"); // loopback always bypasses a proxy
        options.setExperimentalOption("prefs", Map.of("intl.accept_languages", "en-GB"));
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability(ChromeOptions.LOGGING_PREFS, logs);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
        return new HeadlessChromium(new ChromeDriver(service, options));
    }

    ChromeDriver driver() {
        return driver;
    }

    void open(String url) {
        driver.get(url);
    }

    /** Runs {@code script} in the page and returns what it returns (lists, maps, strings, numbers). */
    Object script(String script, Object... args) {
        return driver.executeScript(script, args);
    }

    /**
     * The text the element at {@code css} shows, or null when there is none, read in one script:
     * the page rebuilds its tables and ring, so an element held across calls goes stale.
     */
    String text(String css) {
        return (String) script("const e = document.querySelector(arguments[0]);"
                + " return e ? (e.innerText ?? e.textContent) : null", css);
    }

    /** The console entries since the last call: messages, uncaught exceptions, failed loads. */
    List<LogEntry> console() {
        return driver.manage().logs().get(LogType.BROWSER).getAll();
    }

    /** Saves the whole page (the window grown to the page's height) as a PNG. */
    void screenshot(Path file) throws IOException {
        Number h = (Number) script("return Math.ceil(document.documentElement.scrollHeight)");
        org.openqa.selenium.Dimension was = driver.manage().window().getSize();
        driver.manage().window().setSize(new org.openqa.selenium.Dimension(was.getWidth(),
                Math.max(was.getHeight(), h.intValue() + (was.getHeight()
                        - ((Number) script("return window.innerHeight")).intValue()))));
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Files.write(file, driver.getScreenshotAs(OutputType.BYTES));
        } finally {
            driver.manage().window().setSize(was);
        }
    }

    @Override
    public void close() {
        driver.quit();
    }
}
