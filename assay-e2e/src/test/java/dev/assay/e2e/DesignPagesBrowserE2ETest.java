package dev.assay.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;

/**
 * The design pages in a real Chromium against a real {@code assay serve --demo}, each on data made
 * through the real API (definitions through {@code /api/v1}, exposures and metric events through
 * {@code POST /api/v1/events}, the server's own jobs and analyses): a bandit's weight history, a
 * holdout's cumulative impact, a switchback's means per window, and the platform A/A verdict with
 * its "Run now" button and its false-positive rate and uniformity over the runs. Each plot must be
 * drawn on a canvas, and the numbers shown must be the API's. Every plot (and the results page's)
 * follows the window from 1280 px down to a phone's 390 px and back, and at 390 px no page scrolls
 * sideways. Screenshots at 1280×800 and at phone width (390×844) for docs/ui.md.
 */
class DesignPagesBrowserE2ETest {
  @RegisterExtension
  static final Browser SCREENSHOT_ON_FAILURE = new Browser();
  static final Path IMAGES = Path.of("..", "docs", "images");
  static final ObjectMapper JSON = new ObjectMapper();
  private static ServeProcess serve;
  private static WebDriver d;
  private static long eventId;

  @BeforeAll
  static void start() throws Exception {
    serve = new ServeProcess();
    d = Browser.driver();
  }

  @AfterAll
  static void stop() throws Exception {
    serve.close();
  }

  @Test
  void banditPage_drawsTheWeightHistory_andShowsTheApisCurrentWeights() throws Exception {
    serve.admin("POST", "/metrics", "{\"key\":\"ui-bandit-signup\",\"type\":\"proportion\",\"event\":\"ui-bandit-signup\"}");
    serve.admin("POST", "/experiments", """
        {"key":"ui-bandit","type":"bandit","variants":[{"key":"a","weight":0.34},{"key":"b","weight":0.33},
         {"key":"c","weight":0.33}],"metrics":{"primary":"ui-bandit-signup"},
         "bandit":{"burnInUnits":20,"minWeight":0.05,"maxChange":0.3,"updateIntervalSeconds":1}}""");
    serve.admin("POST", "/experiments/ui-bandit/start", "{}");
    // arm c converts at 40%, b at 20%, a at 5% (every 20th, 5th, and 2 of 5 units)
    int[][] converts = {{20, 1}, {5, 1}, {5, 2}};
    for (int round = 0; round < 3; round++) {
      StringBuilder batch = new StringBuilder();
      long t = System.currentTimeMillis();
      for (int arm = 0; arm < 3; arm++) {
        for (int u = 0; u < 60; u++) {
          String unit = "bandit-r" + round + "-a" + arm + "-u" + u;
          exposure(batch, unit, "ui-bandit", arm, t);
          if (u % converts[arm][0] < converts[arm][1]) {
            metric(batch, unit, "ui-bandit-signup", 1, t + 1);
          }
        }
      }
      events(batch.toString());
      int wanted = round + 1;
      Browser.waitFor(d).until(x -> serve.admin("GET", "/experiments/ui-bandit/bandit", null).path("periods").size()
          >= wanted);
    }
    serve.admin("POST", "/experiments/ui-bandit/pause", "{}");
    JsonNode api = serve.admin("GET", "/experiments/ui-bandit/bandit", null);
    int periods = api.path("periods").size();
    JsonNode last = api.path("periods").get(periods - 1);
    assertThat(last.at("/weights/2").asDouble()).as("the best arm leads").isGreaterThan(last.at("/weights/0").asDouble());

    signIn();
    WebElement fig = drawn("/ui/experiments/ui-bandit/bandit?project=demo", "bandit-plot");
    assertCanvas(fig);
    assertThat(fig.getAttribute("data-points")).isEqualTo(String.valueOf(periods + 1));
    assertThat(fig.getAttribute("data-series")).isEqualTo("3");
    assertSameNumbers(plotted("bandit"), api.path("series"));
    List<WebElement> arms = d.findElements(By.cssSelector("[data-testid=bandit-arm]"));
    assertThat(arms).hasSize(3);
    for (int i = 0; i < 3; i++) {
      WebElement row = arms.get(i);
      assertThat(Double.parseDouble(row.getAttribute("data-weight"))).isEqualTo(last.at("/weights/" + i).asDouble());
      List<WebElement> cells = row.findElements(By.tagName("td"));
      assertThat(cells.get(0).getText()).isEqualTo(f4(last.at("/weights/" + i).asDouble()));
      assertThat(cells.get(1).getText()).isEqualTo(f4(last.at("/probabilityBest/" + i).asDouble()));
      assertThat(cells.get(2).getText()).isEqualTo(last.at("/units/" + i).asText());
    }
    assertThat(Browser.seriousAccessibilityViolations(d)).as("bandit page").isEmpty();
    screenshots("/ui/experiments/ui-bandit/bandit?project=demo", "bandit-plot", "ui-bandit");
  }

  @Test
  void holdoutPage_drawsTheCumulativeImpactWithItsBand_andShowsTheApisNumbers() throws Exception {
    serve.admin("POST", "/metrics", "{\"key\":\"ui-ho-buy\",\"type\":\"proportion\",\"event\":\"ui-ho-buy\"}");
    serve.admin("POST", "/holdouts", """
        {"key":"ui-lt","name":"Long-term","fraction":0.2,"experiments":["checkout-button"],"metrics":{"primary":"ui-ho-buy"}}""");
    for (int refresh = 0; refresh < 3; refresh++) {
      StringBuilder batch = new StringBuilder();
      long t = System.currentTimeMillis();
      for (int u = 0; u < 250; u++) {
        String unit = "ho-r" + refresh + "-u" + u;
        int variation = u % 5 == 0 ? 0 : 1; // 0 = held out (20%), 1 = general
        exposure(batch, unit, "holdout:ui-lt", variation, t);
        if (u % (variation == 0 ? 10 : 4) == 1) { // held out converts at 10%, general at 25%
          metric(batch, unit, "ui-ho-buy", 1, t + 1);
        }
      }
      events(batch.toString());
      serve.admin("POST", "/holdouts/ui-lt/refresh", "{}");
    }
    JsonNode api = serve.admin("GET", "/holdouts/ui-lt/results", null);
    signIn();
    WebElement fig = drawn("/ui/holdouts/ui-lt?project=demo", "holdout-plot");
    assertCanvas(fig);
    assertThat(fig.getAttribute("data-metric")).isEqualTo("ui-ho-buy");
    assertThat(fig.getAttribute("data-points")).isEqualTo(String.valueOf(api.path("refreshes").asInt())).isEqualTo("3");
    JsonNode drawn = plotted("holdout");
    JsonNode line = api.at("/series/metrics/ui-ho-buy");
    assertSameNumbers(drawn.path("t"), api.at("/series/t"));
    for (String f : List.of("effect", "ciLower", "ciUpper")) {
      assertSameNumbers(drawn.path(f), line.path(f));
    }
    JsonNode m = api.at("/metrics/0");
    List<WebElement> cells = d.findElement(By.cssSelector("[data-testid=holdout-row][data-metric=ui-ho-buy]"))
        .findElements(By.tagName("td"));
    assertThat(cells.get(3).getText()).isEqualTo(g4(m.path("effect").asDouble()));
    assertThat(cells.get(4).getText()).isEqualTo("[" + g4(m.path("ciLower").asDouble()) + ", "
        + g4(m.path("ciUpper").asDouble()) + "]");
    assertThat(cells.get(1).getText()).startsWith(g4(m.at("/heldOut/mean").asDouble()));
    assertThat(Browser.seriousAccessibilityViolations(d)).as("holdout page").isEmpty();
    screenshots("/ui/holdouts/ui-lt?project=demo", "holdout-plot", "ui-holdout");
  }

  @Test
  void switchbackPage_drawsTheMeansPerWindow_andShowsTheApisComparison() throws Exception {
    serve.admin("POST", "/metrics", "{\"key\":\"ui-sb-spend\",\"type\":\"mean\",\"event\":\"ui-sb-spend\"}");
    serve.admin("POST", "/experiments", """
        {"key":"ui-sb","type":"switchback","variants":[{"key":"control","weight":0.5},{"key":"treatment","weight":0.5}],
         "metrics":{"primary":"ui-sb-spend"},
         "switchback":{"windowSeconds":3600,"regionAttribute":"region","burnInSeconds":300,"start":"2031-01-01T00:00:00Z"}}""");
    serve.admin("POST", "/experiments/ui-sb/start", "{}");
    long origin = Instant.parse("2031-01-01T00:00:00Z").toEpochMilli();
    String[] regions = {"north", "south", "east"};
    StringBuilder batch = new StringBuilder();
    for (int w = 0; w < 6; w++) {
      for (int r = 0; r < regions.length; r++) {
        String cell = regions[r] + "|" + w;
        int arm = (w + r) % 2;
        long t = origin + w * 3_600_000L + 10 * 60_000L;
        exposure(batch, cell, "ui-sb", arm, t);
        for (int k = 0; k < 4; k++) {
          metric(batch, cell, "ui-sb-spend", 40 + 3 * r + w + 2 * arm + k, t + 1_000 + k);
        }
      }
    }
    events(batch.toString());
    JsonNode api = serve.admin("GET", "/experiments/ui-sb/switchback", null);
    assertThat(api.path("cells").asInt()).isEqualTo(18);
    signIn();
    WebElement fig = drawn("/ui/experiments/ui-sb/switchback?project=demo", "switchback-plot");
    assertCanvas(fig);
    assertThat(fig.getAttribute("data-points")).isEqualTo("6");
    assertThat(fig.getAttribute("data-series")).isEqualTo("2");
    assertSameNumbers(plotted("switchback"), api.path("series"));
    JsonNode c = api.at("/comparisons/0");
    List<WebElement> cells = d.findElement(By.cssSelector("[data-testid=switchback-row][data-variant=treatment]"))
        .findElements(By.tagName("td"));
    assertThat(cells.get(2).getText()).isEqualTo(g4(c.path("difference").asDouble()) + " ["
        + g4(c.path("ciLower").asDouble()) + ", " + g4(c.path("ciUpper").asDouble()) + "]");
    assertThat(cells.get(3).getText()).isEqualTo(g4(c.path("se").asDouble()));
    assertThat(cells.get(4).getText()).isEqualTo(g4(c.path("naiveSe").asDouble()));
    assertThat(Browser.seriousAccessibilityViolations(d)).as("switchback page").isEmpty();
    screenshots("/ui/experiments/ui-sb/switchback?project=demo", "switchback-plot", "ui-switchback");
  }

  @Test
  void platformAaPage_showsTheApisVerdict_andRunNowAddsARun_andAPointOverTime() throws Exception {
    serve.admin("POST", "/platform/aa/runs", "{}");
    signIn();
    drawn("/ui/platform/aa?project=demo", "aa-histogram");
    assertThat(d.findElements(By.linkText("Platform A/A"))).as("nav entry").hasSize(1);
    assertThat(drawn("/ui/platform/aa?project=demo", "aa-over-time").getAttribute("data-points"))
        .as("one point per run").isEqualTo(shown("aa-runs"));
    int before = Integer.parseInt(shown("aa-runs"));
    d.findElement(By.cssSelector("[data-testid=aa-run]")).click();
    // HTMX swaps the new verdict in (a scheduled run may add one more meanwhile)
    Browser.waitFor(d).until(x -> Integer.parseInt(x.findElement(By.cssSelector("[data-testid=aa-runs]"))
        .getAttribute("data-value")) > before);
    WebElement fig = Browser.waitFor(d).until(ExpectedConditions.visibilityOfElementLocated(
        By.cssSelector("[data-testid=aa-histogram][data-drawn=true]")));
    assertCanvas(fig);
    assertThat(fig.getAttribute("data-points")).isEqualTo("10");
    WebElement overTime = Browser.waitFor(d).until(ExpectedConditions.visibilityOfElementLocated(
        By.cssSelector("[data-testid=aa-over-time][data-drawn=true]")));
    assertCanvas(overTime);
    int runs = Integer.parseInt(shown("aa-runs"));
    assertThat(runs).as("the first run and Run now").isGreaterThanOrEqualTo(2);
    assertThat(overTime.getAttribute("data-points")).as("one point per run").isEqualTo(String.valueOf(runs));
    assertThat(overTime.getAttribute("data-series")).isEqualTo("3");
    for (int i = 0; i < 8; i++) { // enough p-values for the pooled checks over several runs
      serve.admin("POST", "/platform/aa/runs", "{}");
    }
    JsonNode api = null;
    for (int attempt = 0; attempt < 4 && (api == null || !shown("aa-runs").equals(api.path("runs").asText()));
        attempt++) {
      drawn("/ui/platform/aa?project=demo", "aa-over-time"); // a scheduled run may land in between: read both again
      api = serve.admin("GET", "/platform/aa", null);
    }
    assertThat(shown("aa-runs")).isEqualTo(api.path("runs").asText());
    assertThat(shown("aa-p-values")).isEqualTo(api.path("pValues").asText());
    assertThat(api.path("pValues").asInt()).as("the demo's running experiments give p-values").isPositive();
    assertThat(d.findElement(By.cssSelector("[data-testid=aa-status]")).getAttribute("data-status"))
        .isEqualTo(api.path("status").asText());
    for (String[] f : new String[][] {{"aa-fpr", "falsePositiveRate"}, {"aa-binomial-p", "binomialPValue"},
        {"aa-ks-d", "ksStatistic"}, {"aa-ks-p", "ksPValue"}}) {
      JsonNode v = api.path(f[1]);
      String value = shown(f[0]);
      if (v.isNumber()) {
        assertThat(Double.parseDouble(value)).as(f[1]).isEqualTo(v.asDouble());
      } else {
        assertThat(value).as(f[1]).isEqualTo("null");
      }
    }
    assertSameNumbers(plotted("aa-histogram").path("histogram"), api.path("histogram"));
    assertSameNumbers(plotted("aa-over-time"), api.path("overTime"));
    assertThat(d.findElement(By.cssSelector("[data-testid=aa-over-time]")).getAttribute("data-points"))
        .isEqualTo(api.path("runs").asText()).isEqualTo(String.valueOf(api.at("/overTime/t").size()));
    assertThat(d.findElements(By.cssSelector("[data-testid=aa-run-row]"))).hasSize(Math.min(20, api.path("runs").asInt()));
    assertThat(Browser.seriousAccessibilityViolations(d)).as("platform A/A page").isEmpty();
    screenshots("/ui/platform/aa?project=demo", "aa-over-time", "ui-platform-aa");
  }

  @Test
  void resultsPage_plotsFollowTheWindow_andFitAPhone() throws Exception {
    for (int i = 0; i < 2; i++) {
      serve.admin("POST", "/experiments/checkout-button/refresh", "{}");
    }
    signIn();
    String path = "/ui/experiments/checkout-button/results?project=demo";
    d.get(serve.baseUrl() + path);
    WebElement fig = Browser.waitFor(d).until(ExpectedConditions.visibilityOfElementLocated(
        By.cssSelector(".metric-plots figure.series[data-drawn=true]")));
    assertCanvas(fig);
    resizes(fig);
  }

  /** The data the page's script drew last for a kind of plot. */
  private static JsonNode plotted(String kind) {
    return JSON.valueToTree(js("var a = window.assayDesignPlots[arguments[0]]; return a[a.length - 1];", kind));
  }

  /* The browser's JSON turns 1.0 into 1: numbers are compared as numbers. */
  private static void assertSameNumbers(JsonNode drawn, JsonNode api) {
    assertThat(drawn.equals((a, b) -> a.isNumber() && b.isNumber() ? Double.compare(a.asDouble(), b.asDouble())
        : a.equals(b) ? 0 : 1, api)).as("drawn %s, API %s", drawn, api).isTrue();
  }

  private static String shown(String testId) {
    return d.findElement(By.cssSelector("[data-testid=" + testId + "]")).getAttribute("data-value");
  }

  private static void signIn() {
    Browser.signIn(d, serve.baseUrl(), "admin", ServeProcess.ADMIN_PASSWORD);
  }

  /** Opens a page and waits until the plot with this test id is drawn. */
  private static WebElement drawn(String path, String testId) {
    d.get(serve.baseUrl() + path);
    return Browser.waitFor(d).until(ExpectedConditions.visibilityOfElementLocated(
        By.cssSelector("[data-testid=" + testId + "][data-drawn=true]")));
  }

  private static void assertCanvas(WebElement fig) {
    WebElement canvas = fig.findElement(By.cssSelector(".uplot canvas"));
    assertThat(canvas.getSize().getWidth()).isGreaterThan(200);
    assertThat(canvas.getSize().getHeight()).isGreaterThan(100);
    // something was painted: the canvas has pixels that are not transparent
    Object painted = js("var c = arguments[0], x = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
        + " for (var i = 3; i < x.length; i += 4) { if (x[i] !== 0) { return true; } } return false;", canvas);
    assertThat(painted).isEqualTo(true);
  }

  /**
   * Desktop and phone screenshots. The phone one is of the same page after the window shrank (its
   * plots follow their containers), and the page is loaded again at phone width too; neither may
   * scroll sideways.
   */
  private static void screenshots(String path, String testId, String name) {
    Browser.size(d, 1280, 800);
    WebElement fig = drawn(path, testId);
    js("arguments[0].scrollIntoView({block: 'end'});", fig);
    Browser.screenshot(d, IMAGES.resolve(name + ".png"));
    resizes(fig);
    Browser.size(d, 390, 844);
    fig = drawn(path, testId);
    fitsThePhone(name + " loaded at phone width");
    js("arguments[0].scrollIntoView({block: 'center'});", fig);
    Browser.screenshot(d, IMAGES.resolve(name + "-phone.png"));
    Browser.size(d, 1280, 800);
  }

  /**
   * From a desktop window the page's plots follow the window down to a phone's width and back up
   * without a reload: every canvas fills its container's content box (design plots up to 880 px;
   * the results page's two per row while both fit at 280 px, up to 560 px) and none is wider.
   */
  private static void resizes(WebElement fig) {
    Browser.size(d, 1280, 800);
    Browser.waitFor(d).until(x -> fitted().equals("ok"));
    double wide = canvasWidth(fig);
    Browser.size(d, 390, 844);
    Browser.waitFor(d).withMessage(() -> "plots after shrinking: " + fitted()).until(x -> fitted().equals("ok"));
    assertThat(canvasWidth(fig)).as("narrower than on a desktop").isLessThan(wide).isLessThan(390);
    fitsThePhone(d.getCurrentUrl() + " shrunk to phone width");
    Browser.size(d, 1280, 800);
    Browser.waitFor(d).withMessage(() -> "plots after growing: " + fitted()).until(x -> fitted().equals("ok"));
    assertThat(canvasWidth(fig)).as("as wide as before").isEqualTo(wide);
  }

  /** At 390 px the page does not scroll sideways, and no plot's figure scrolls inside itself. */
  private static void fitsThePhone(String what) {
    assertThat(((Number) js("return window.innerWidth;")).intValue()).as("the viewport of " + what).isEqualTo(390);
    assertThat(((Number) js("return document.documentElement.scrollWidth;")).intValue()).as(what).isLessThanOrEqualTo(390);
    Object inside = js("var out = []; document.querySelectorAll('figure.plot').forEach(function (f) {"
        + " if (f.scrollWidth > f.clientWidth) { out.push(f.getAttribute('data-testid') + ' ' + f.scrollWidth + ' > '"
        + " + f.clientWidth); } }); return out.join('; ');");
    assertThat(inside).as("figures overflowing in " + what).isEqualTo("");
  }

  /** "ok" when every drawn plot fills its container's content box as the layout says, else the first that does not. */
  private static String fitted() {
    return String.valueOf(js("var figs = document.querySelectorAll('figure[data-drawn=true]');"
        + " if (!figs.length) { return 'no plot drawn'; }"
        + " for (var i = 0; i < figs.length; i++) {"
        + "  var f = figs[i], c = f.querySelector('.uplot canvas'), b = f.parentNode, s = getComputedStyle(b);"
        + "  var box = b.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight);"
        + "  var w = c.getBoundingClientRect().width;"
        + "  var want = f.classList.contains('design') ? Math.min(880, box)"
        + "   : Math.min(560, box >= 2 * 280 + 16 ? (box - 16) / 2 : box);"
        + "  if (w > box + 0.5 || w < want - 1) { return (f.getAttribute('data-testid') || f.className) + ': canvas ' + w"
        + "   + ' px in a box of ' + box + ' px'; }"
        + " } return 'ok';"));
  }

  private static double canvasWidth(WebElement fig) {
    return ((Number) js("return arguments[0].querySelector('.uplot canvas').getBoundingClientRect().width;", fig))
        .doubleValue();
  }

  private static Object js(String script, Object... args) {
    return ((JavascriptExecutor) d).executeScript(script, args);
  }

  private static String f4(double x) {
    return String.format(Locale.ROOT, "%.4f", x);
  }

  private static String g4(double x) {
    return String.format(Locale.ROOT, "%.4g", x);
  }

  private static void exposure(StringBuilder b, String unit, String experiment, int variation, long t) {
    b.append("{\"id\":\"ui-e").append(eventId++).append("\",\"type\":\"exposure\",\"unitId\":\"").append(unit)
        .append("\",\"experimentKey\":\"").append(experiment).append("\",\"variationId\":").append(variation)
        .append(",\"timestamp\":").append(t).append("}\n");
  }

  private static void metric(StringBuilder b, String unit, String name, double value, long t) {
    b.append("{\"id\":\"ui-e").append(eventId++).append("\",\"type\":\"metric\",\"name\":\"").append(name)
        .append("\",\"unitId\":\"").append(unit).append("\",\"value\":").append(value).append(",\"timestamp\":")
        .append(t).append("}\n");
  }

  /** Posts a batch to {@code POST /api/v1/events} with the demo's client key; every event must be accepted. */
  private static void events(String ndjson) throws Exception {
    HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(serve.baseUrl()
        + "/api/v1/events")).header("Authorization", "Bearer " + serve.demoClientKey)
        .header("Content-Type", "application/x-ndjson").POST(HttpRequest.BodyPublishers.ofString(ndjson)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(JSON.readTree(r.body()).path("rejected").size()).as(r.body()).isZero();
  }
}
