package dev.assay.e2e;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * One headless Debian Chromium for the whole test JVM, driven through Debian's chromedriver
 * (no browser download), with a fresh profile directory. Also the JUnit extension that saves a
 * screenshot of the page when a test fails ({@code target/screenshots/}), and the axe-core
 * accessibility check.
 */
final class Browser implements TestWatcher {
  static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
  private static ChromeDriver driver;

  /** The shared driver, started on first use and quit when the JVM exits. */
  static synchronized ChromeDriver driver() {
    if (driver == null) {
      if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(CHROMEDRIVER)) {
        throw new IllegalStateException("Chromium is missing: apt-get install chromium chromium-driver (.ci/run does)");
      }
      Path profile;
      try {
        profile = Files.createTempDirectory("assay-chromium-");
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      ChromeOptions options = new ChromeOptions();
      options.setBinary(CHROMIUM.toFile());
      options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
          "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
          "--user-data-dir=" + profile, "--window-size=1280,800");
      ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
          .usingAnyFreePort().build();
      driver = new ChromeDriver(service, options);
      driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(60));
      driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(60));
      ChromeDriver d = driver;
      Runtime.getRuntime().addShutdownHook(new Thread(d::quit, "chromium-quit"));
    }
    return driver;
  }

  static WebDriverWait waitFor(WebDriver d) {
    return new WebDriverWait(d, Duration.ofSeconds(30));
  }

  /** Opens a URL and waits until the element appears. */
  static WebElement open(WebDriver d, String url, By until) {
    d.get(url);
    return waitFor(d).until(ExpectedConditions.visibilityOfElementLocated(until));
  }

  /** Signs in through the login form at 1280×800 (cookies of an earlier user dropped) and waits for the page. */
  static void signIn(WebDriver d, String baseUrl, String user, String password) {
    size(d, 1280, 800);
    d.get(baseUrl + "/ui/login");
    d.manage().deleteAllCookies();
    open(d, baseUrl + "/ui/login", By.id("user")).sendKeys(user);
    d.findElement(By.id("password")).sendKeys(password);
    d.findElement(By.cssSelector("button[type=submit]")).click();
    waitFor(d).until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("[data-testid=signed-in-user]")));
  }

  static void size(WebDriver d, int width, int height) {
    d.manage().window().setSize(new Dimension(width, height));
  }

  static void screenshot(WebDriver d, Path file) {
    try {
      Files.createDirectories(file.getParent());
      Files.write(file, ((TakesScreenshot) d).getScreenshotAs(OutputType.BYTES));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void testFailed(ExtensionContext context, Throwable cause) {
    if (driver != null) {
      String name = context.getRequiredTestClass().getSimpleName() + "-" + context.getRequiredTestMethod().getName();
      screenshot(driver, Path.of("target", "screenshots", name + ".png"));
    }
  }

  /**
   * Runs axe-core (Deque's rules engine, from its Maven artifact) in the current page and returns
   * the violations of impact serious or critical, as "rule: help (n nodes)".
   */
  @SuppressWarnings("unchecked")
  static List<String> seriousAccessibilityViolations(WebDriver d) {
    JavascriptExecutor js = (JavascriptExecutor) d;
    js.executeScript(axeSource());
    Object result = js.executeAsyncScript("var done = arguments[arguments.length - 1];"
        + "axe.run(document, {resultTypes: ['violations']}).then(function (r) { done(r.violations); },"
        + " function (e) { done([{id: 'axe-error', impact: 'critical', help: String(e), nodes: []}]); });");
    List<String> out = new ArrayList<>();
    for (Map<String, Object> v : (List<Map<String, Object>>) result) {
      Object impact = v.get("impact");
      if ("serious".equals(impact) || "critical".equals(impact)) {
        List<Map<String, Object>> nodes = (List<Map<String, Object>>) v.get("nodes");
        List<Object> targets = nodes.stream().map(n -> n.get("target")).toList();
        out.add(v.get("id") + ": " + v.get("help") + " " + targets);
      }
    }
    return out;
  }

  private static String axeSource() {
    try (InputStream in = Browser.class.getClassLoader().getResourceAsStream("axe.min.js")) {
      if (in == null) {
        throw new IllegalStateException("axe.min.js is not on the test class path (com.deque.html.axe-core:selenium)");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
