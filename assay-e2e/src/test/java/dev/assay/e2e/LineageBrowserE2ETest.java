package dev.assay.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
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
 * What the results page says about the data behind it, in a real Chromium against a real
 * {@code assay serve --demo} (issue 20): with flagging on, exposures sent by a crawler's
 * User-Agent are stored, flagged and left out, and the refreshed results page says how many in
 * its health banner; its lineage link opens the snapshot's lineage page (the data window, the
 * warehouse, the experiment definition's hash, each warehouse query's SQL and row counts) — both
 * free of serious accessibility violations, readable at 1280×800 and at phone width without a
 * horizontal scroll; the screenshots of docs/ui.md.
 */
class LineageBrowserE2ETest {
  @RegisterExtension
  static final Browser SCREENSHOT_ON_FAILURE = new Browser();
  static final Path IMAGES = Path.of("..", "docs", "images");
  /* Bot exposures sent; the banner must count exactly these. */
  static final int BOTS = 7;
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

  private static Object js(String script) {
    return ((JavascriptExecutor) d).executeScript(script);
  }

  /* Exposures of checkout-button from a crawler, through the events API with the demo's client key. */
  private static void sendBotExposures() throws Exception {
    StringBuilder body = new StringBuilder("[");
    String now = Instant.now().toString();
    for (int i = 0; i < BOTS; i++) {
      body.append(i == 0 ? "" : ",").append("{\"id\":\"").append(UUID.randomUUID())
          .append("\",\"type\":\"exposure\",\"experimentKey\":\"checkout-button\",\"variationId\":").append(i % 2)
          .append(",\"unitId\":\"crawler-").append(i).append("\",\"hashAttribute\":\"id\",\"timestamp\":\"")
          .append(now).append("\"}");
    }
    body.append(']');
    HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
            URI.create(serve.baseUrl() + "/api/v1/events"))
        .header("Authorization", "Bearer " + serve.demoClientKey).header("Content-Type", "application/json")
        .header("User-Agent", "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)")
        .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(r.body()).contains("\"accepted\":" + BOTS);
  }

  /* The page fits the viewport's width: nothing scrolls the document sideways. */
  private static void assertNoSidewaysScroll(String what, int width) {
    long scroll = ((Number) js("return document.documentElement.scrollWidth;")).longValue();
    Object wide = js("var w = document.documentElement.clientWidth, out = [];"
        + " document.querySelectorAll('main *').forEach(function (e) {"
        + " if (e.getBoundingClientRect().right > w + 1) { out.push(e.tagName + (e.className ? '.' + e.className : '')"
        + " + ' ' + Math.round(e.getBoundingClientRect().right)); } }); return out.slice(0, 8).join(', ');");
    assertThat(scroll).as(what + " at " + width + " px; past the right edge: " + wide).isLessThanOrEqualTo(width);
  }

  @Test
  void flaggedExposuresCountedInTheHealthBanner_andTheLineagePageShowsTheQueries() throws Exception {
    serve.admin("PUT", "/data-quality", "{\"flagging\":true}");
    sendBotExposures();

    Browser.signIn(d, serve.baseUrl(), "admin", ServeProcess.ADMIN_PASSWORD);
    Browser.open(d, serve.baseUrl() + "/ui/experiments/checkout-button/results?project=demo",
        By.cssSelector("[data-testid=refresh]")).click();
    WebElement excluded = Browser.waitFor(d).until(ExpectedConditions.visibilityOfElementLocated(
        By.cssSelector("[data-testid=health] .banner[data-kind=excluded]")));
    assertThat(excluded.getText()).isEqualTo("Excluded as flagged at ingestion: " + BOTS + " exposures (bot user agent).");
    assertThat(Browser.seriousAccessibilityViolations(d)).as("results page").isEmpty();
    Browser.screenshot(d, IMAGES.resolve("ui-results-health.png"));

    WebElement link = d.findElement(By.cssSelector("[data-testid=lineage-link]"));
    assertThat(link.getText()).matches("Lineage of snapshot [1-9][0-9]*");
    String snapshot = link.getText().substring("Lineage of snapshot ".length());
    link.click();
    Browser.waitFor(d).until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("[data-testid=lineage-facts]")));

    // The page shows the lineage the API records for that snapshot.
    JsonNode lineage = serve.admin("GET", "/snapshots/" + snapshot + "/lineage", null);
    assertThat(d.findElement(By.cssSelector("[data-testid=lineage-hash]")).getText())
        .isEqualTo(lineage.at("/definition/experimentSha256").asText()).hasSize(64);
    assertThat(d.findElement(By.cssSelector("[data-testid=lineage-warehouse]")).getText()).containsIgnoringCase("duckdb");
    List<WebElement> queries = d.findElements(By.cssSelector("[data-testid=lineage-query]"));
    assertThat(queries).hasSize(lineage.path("queries").size()).isNotEmpty();
    assertThat(queries.get(0).findElement(By.cssSelector("[data-testid=lineage-sql]")).getText())
        .isEqualTo(lineage.at("/queries/0/sql").asText()).containsIgnoringCase("select");
    assertThat(Browser.seriousAccessibilityViolations(d)).as("lineage page").isEmpty();
    assertNoSidewaysScroll("lineage page", 1280);
    Browser.screenshot(d, IMAGES.resolve("ui-lineage.png"));

    Browser.size(d, 390, 844);
    try {
      assertNoSidewaysScroll("lineage page", 390);
      Browser.screenshot(d, IMAGES.resolve("ui-lineage-phone.png"));
      d.navigate().back();
      Browser.waitFor(d).until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("[data-testid=health]")));
      assertNoSidewaysScroll("results page", 390);
    } finally {
      Browser.size(d, 1280, 800);
    }
  }
}
