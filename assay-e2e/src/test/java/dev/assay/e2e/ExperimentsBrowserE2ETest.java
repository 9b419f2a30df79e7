package dev.assay.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;

/**
 * The experiment pages in a real Chromium against a real {@code assay serve --demo}: an
 * experiment created with the wizard (power calculator included), launched, fed simulated users
 * through the real events API ({@code assay simulate}: the SDK assigns them from the payload and
 * its event logger sends exposures and purchases), refreshed from the results page, where the
 * known effect appears with both plots drawn by uPlot, then stopped and concluded with a decision.
 * Screenshots for docs/ui.md.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ExperimentsBrowserE2ETest {
  @RegisterExtension
  static final Browser SCREENSHOT_ON_FAILURE = new Browser();
  static final String KEY = "ui-wizard-test";
  /* Simulated: control converts at 10%, treatment at 15% (+50% relative). */
  static final double EFFECT = 0.5;
  static final Path IMAGES = Path.of("..", "docs", "images");
  private static ServeProcess serve;
  private static WebDriver d;

  @BeforeAll
  static void start() throws Exception {
    serve = new ServeProcess();
    d = Browser.driver();
  }

  @AfterAll
  static void stop() throws Exception {
    serve.close();
  }

  private static String url(String path) {
    return serve.baseUrl() + path;
  }

  private static void signIn() {
    Browser.signIn(d, serve.baseUrl(), "admin", ServeProcess.ADMIN_PASSWORD);
  }

  private static void type(String id, String text) {
    WebElement e = d.findElement(By.id(id));
    e.clear();
    e.sendKeys(text);
  }

  private static Object js(String script, Object... args) {
    return ((JavascriptExecutor) d).executeScript(script, args);
  }

  /** Clicks Refresh and waits until HTMX swapped in newer results, and their plots are drawn. */
  private static void refreshAndWait() {
    List<WebElement> before = d.findElements(By.cssSelector("[data-testid=results-meta] time"));
    String previous = before.isEmpty() ? "" : before.get(0).getAttribute("datetime");
    d.findElement(By.cssSelector("[data-testid=refresh]")).click();
    Browser.waitFor(d).until(x -> {
      List<WebElement> meta = x.findElements(By.cssSelector("[data-testid=results-meta] time"));
      return !meta.isEmpty() && !meta.get(0).getAttribute("datetime").equals(previous);
    });
    Browser.waitFor(d).until(ExpectedConditions.attributeToBe(By.cssSelector(
        ".metric-plots[data-metric=purchase] figure.series"), "data-drawn", "true"));
  }

  @Test
  @Order(1)
  void demoResults_showThePlots_forTheDocs() {
    signIn();
    Browser.open(d, url("/ui/experiments?project=demo"), By.cssSelector("[data-testid=experiments]"));
    Browser.screenshot(d, IMAGES.resolve("ui-experiments.png"));
    Browser.open(d, url("/ui/experiments/checkout-button/results?project=demo"), By.cssSelector("[data-testid=refresh]"));
    refreshAndWait();
    WebElement forest = d.findElement(By.cssSelector(".metric-plots[data-metric=purchase] figure.forest"));
    Browser.waitFor(d).until(ExpectedConditions.attributeToBe(forest, "data-drawn", "true"));
    assertThat(d.findElement(By.cssSelector("tr[data-metric=purchase][data-variant=green]")).getAttribute("data-verdict"))
        .isEqualTo("win");
    assertThat(d.findElement(By.cssSelector("[data-testid=report-download]")).getAttribute("href")).contains("/report.md");
    assertThat(Browser.seriousAccessibilityViolations(d)).as("results page").isEmpty();
    Browser.size(d, 1280, 2000);
    Browser.screenshot(d, IMAGES.resolve("ui-results.png"));
    Browser.size(d, 1280, 800);
  }

  @Test
  @Order(2)
  void wizard_launch_simulate_results_conclude() throws Exception {
    signIn();
    Browser.open(d, url("/ui/experiments?project=demo"), By.cssSelector("[data-testid=new-experiment]")).click();
    Browser.waitFor(d).until(ExpectedConditions.visibilityOfElementLocated(By.id("f-key")));
    type("f-key", KEY);
    type("f-name", "Wizard checkout copy");
    type("f-owner", "growth");
    type("f-hypothesis", "A clearer checkout copy raises purchases");
    new Select(d.findElement(By.id("f-metrics-primary"))).selectByValue("purchase");
    d.findElement(By.cssSelector("input[name='metrics.secondary'][value=revenue]")).click();
    new Select(d.findElement(By.id("f-g0-metric"))).selectByValue("page-load-ms");
    type("f-metrics-guardrails-0--threshold", "0.05");
    // Power calculator (HTMX): stat-vectors ss_prop_001, 10% -> 11%: 14,749 per variant.
    type("f-power-baseline", "0.10");
    type("f-power-mde", "0.10");
    type("f-power-dailyUnits", "1000");
    d.findElement(By.cssSelector("[data-testid=calculate]")).click();
    WebElement power = Browser.waitFor(d).until(ExpectedConditions.visibilityOfElementLocated(
        By.cssSelector("[data-testid=power-result]")));
    assertThat(power.getAttribute("data-per-variant")).isEqualTo("14749");
    assertThat(d.findElement(By.id("f-plannedUnits")).getDomProperty("value")).isEqualTo("29498");
    assertThat(d.findElement(By.cssSelector("[data-testid=power-days]")).getText()).isEqualTo("30 days");
    assertThat(Browser.seriousAccessibilityViolations(d)).as("wizard").isEmpty();
    Browser.size(d, 1280, 1600);
    Browser.screenshot(d, IMAGES.resolve("ui-experiment-wizard.png"));
    Browser.size(d, 1280, 800);
    d.findElement(By.cssSelector("[data-testid=create-experiment]")).click();
    WebElement status = Browser.waitFor(d).until(ExpectedConditions.visibilityOfElementLocated(
        By.cssSelector("[data-testid=experiment-status]")));
    assertThat(status.getText()).isEqualTo("draft");
    assertThat(Browser.seriousAccessibilityViolations(d)).as("experiment page").isEmpty();
    JsonNode created = serve.admin("GET", "/experiments/" + KEY, null);
    assertThat(created.path("plannedUnits").asLong()).isEqualTo(29498);
    assertThat(created.at("/metrics/guardrails/0/metric").asText()).isEqualTo("page-load-ms");

    d.findElement(By.cssSelector("[data-testid=action-start]")).click();
    Browser.waitFor(d).until(ExpectedConditions.textToBe(By.cssSelector("[data-testid=experiment-status]"), "running"));

    simulate(4000);

    d.findElement(By.cssSelector("[data-testid=results-link]")).click();
    Browser.waitFor(d).until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("[data-testid=refresh]")));
    refreshAndWait();
    WebElement row = d.findElement(By.cssSelector("tr[data-metric=purchase][data-variant=treatment]"));
    assertThat(row.getAttribute("data-verdict")).isEqualTo("win");
    assertPlots(1);
    refreshAndWait();
    assertPlots(2);

    Browser.open(d, url("/ui/experiments/" + KEY + "?project=demo"), By.cssSelector("[data-testid=action-stop]")).click();
    d.switchTo().alert().accept();
    Browser.waitFor(d).until(ExpectedConditions.textToBe(By.cssSelector("[data-testid=experiment-status]"), "stopped"));
    d.findElement(By.cssSelector("[data-testid=outcome-ship]")).click();
    new Select(d.findElement(By.id("f-decision-variant"))).selectByValue("treatment");
    d.findElement(By.id("f-decision-writeup")).sendKeys("Treatment won on purchase; page load unchanged.");
    d.findElement(By.cssSelector("[data-testid=conclude]")).click();
    Browser.waitFor(d).until(ExpectedConditions.textToBe(By.cssSelector("[data-testid=experiment-status]"), "concluded"));
    assertThat(d.findElement(By.cssSelector("[data-testid=decision]")).getText()).contains("ship", "treatment",
        "Treatment won on purchase");
    JsonNode concluded = serve.admin("GET", "/experiments/" + KEY, null);
    assertThat(concluded.at("/decision/outcome").asText()).isEqualTo("ship");
    assertThat(concluded.at("/decision/audience").asText()).isEqualTo("experiment");
  }

  /** The forest and the over-time plot of purchase: drawn canvases, and the data they drew. */
  @SuppressWarnings("unchecked")
  private static void assertPlots(int snapshots) {
    WebElement box = d.findElement(By.cssSelector(".metric-plots[data-metric=purchase]"));
    WebElement forest = box.findElement(By.cssSelector("figure.forest"));
    WebElement series = box.findElement(By.cssSelector("figure.series"));
    Browser.waitFor(d).until(ExpectedConditions.attributeToBe(forest, "data-drawn", "true"));
    for (WebElement fig : List.of(forest, series)) {
      WebElement canvas = fig.findElement(By.cssSelector(".uplot canvas"));
      assertThat(canvas.getSize().getWidth()).isGreaterThan(200);
      assertThat(canvas.getSize().getHeight()).isGreaterThan(50);
    }
    assertThat(forest.getAttribute("data-points")).isEqualTo("1");
    assertThat(series.getAttribute("data-series-length")).isEqualTo(String.valueOf(snapshots));
    Map<String, Object> m = (Map<String, Object>) js("return window.assayPlots.metrics.purchase;");
    Map<String, Object> f = ((List<Map<String, Object>>) m.get("forest")).get(0);
    assertThat(m.get("forestScale")).isEqualTo("relative lift");
    assertThat(f.get("variant")).isEqualTo("treatment");
    double lower = ((Number) f.get("lower")).doubleValue();
    double upper = ((Number) f.get("upper")).doubleValue();
    assertThat(lower).as("lift interval excludes 0").isGreaterThan(0);
    assertThat(upper).as("lift interval covers the simulated +50%").isGreaterThan(EFFECT);
    assertThat(lower).isLessThan(EFFECT);
    List<Object> estimates = (List<Object>) ((List<Map<String, Object>>) m.get("series")).get(0).get("estimate");
    assertThat(estimates).hasSize(snapshots).allSatisfy(v -> assertThat(((Number) v).doubleValue()).isPositive());
  }

  /* `assay simulate` against the server: the SDK assigns from the payload, its logger posts to /api/v1/events. */
  private static void simulate(int users) throws Exception {
    Path jar = Path.of("..", "assay-cli", "target", "assay.jar").toAbsolutePath().normalize();
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process p = new ProcessBuilder(java, "-jar", jar.toString(), "simulate", "--server", serve.baseUrl(), "--key",
        serve.demoClientKey, "--experiment", KEY, "--users", String.valueOf(users), "--effect", String.valueOf(EFFECT),
        "--rate", "0", "--seed", "15").redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(Duration.ofMinutes(3).toSeconds(), TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
  }
}
