package dev.assay.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;

/**
 * The catalogue, events, audit, users, comments and archive pages in a real Chromium against a
 * real {@code assay serve --demo}: a metric's SQL error beside its field, then a good metric; a
 * viewer offered no edit; a just-ingested event appearing on the live events page by itself, and
 * a flagged one counted by reason; a
 * comment that shows in the audit log; axe-core on every page; the screenshots of docs/ui.md.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AdminUiBrowserE2ETest {
  @RegisterExtension
  static final Browser SCREENSHOT_ON_FAILURE = new Browser();
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
    return serve.baseUrl() + path + (path.contains("?") ? "&" : "?") + "project=demo";
  }

  private static void signIn(String user, String password) {
    Browser.signIn(d, serve.baseUrl(), user, password);
  }

  private static void type(String id, String text) {
    WebElement e = d.findElement(By.id(id));
    e.clear();
    e.sendKeys(text);
  }

  @Test
  @Order(1)
  void screenshotsOfMetricsEventsAndAudit_forTheDocs() {
    Path images = Path.of("..", "docs", "images");
    signIn("admin", ServeProcess.ADMIN_PASSWORD);
    Browser.open(d, url("/ui/metrics"), By.cssSelector("[data-testid=catalogue-list]"));
    Browser.screenshot(d, images.resolve("ui-metrics.png"));
    Browser.open(d, url("/ui/events?window=30d"), By.cssSelector("[data-testid=latest-events]"));
    Browser.screenshot(d, images.resolve("ui-events.png"));
    Browser.open(d, url("/ui/audit/verify"), By.cssSelector("[data-testid=chain-status]"));
    Browser.screenshot(d, images.resolve("ui-audit.png"));
    Browser.open(d, url("/ui/users"), By.cssSelector("[data-testid=api-keys]"));
    Browser.screenshot(d, images.resolve("ui-users.png"));
  }

  @Test
  void metric_badSql_errorBesideTheField_thenAGoodMetricIsCreated() {
    signIn("admin", ServeProcess.ADMIN_PASSWORD);
    Browser.open(d, url("/ui/metrics"), By.cssSelector("[data-testid=create-form]"));
    type("f-key", "ui-refunds");
    d.findElement(By.cssSelector("#f-type option[value=sum]")).click();
    type("f-sql", "SELECT user_id AS unit_id FROM refunds; DROP TABLE refunds");
    d.findElement(By.xpath("//button[text()='Create metric']")).click();
    WebElement error = Browser.waitFor(d).until(ExpectedConditions.visibilityOfElementLocated(By.id("f-sql-error")));
    assertThat(error.getText()).isNotBlank();
    WebElement sql = d.findElement(By.id("f-sql"));
    assertThat(sql.getAttribute("aria-invalid")).isEqualTo("true");
    assertThat(sql.getAttribute("aria-describedby")).contains("f-sql-error");
    assertThat(sql.getDomProperty("value")).contains("DROP TABLE refunds");

    type("f-sql", "SELECT user_id AS unit_id, refunded_at AS timestamp, amount AS value FROM refunds");
    d.findElement(By.xpath("//button[text()='Create metric']")).click();
    Browser.waitFor(d).until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector(".flash"),
        "ui-refunds created"));
    assertThat(serve.admin("GET", "/metrics/ui-refunds", null).path("sql").asText()).startsWith("SELECT user_id");
  }

  @Test
  void viewer_isOfferedNoEditOnTheCatalogueOrComments() {
    serve.admin("POST", "/users", "{\"key\":\"val\",\"name\":\"Val\",\"role\":\"viewer\"}");
    serve.admin("PUT", "/users/val/password", "{\"password\":\"viewer val password\"}");
    signIn("val", "viewer val password");
    for (String page : List.of("/ui/metrics", "/ui/segments", "/ui/layers", "/ui/holdouts")) {
      Browser.open(d, url(page), By.id("main"));
      assertThat(d.findElements(By.cssSelector("main form[method=post]"))).as(page).isEmpty();
      assertThat(d.findElements(By.cssSelector("main button[type=submit]"))).as(page).isEmpty();
    }
    String metric = serve.admin("GET", "/metrics", null).path("items").path(0).path("key").asText();
    Browser.open(d, url("/ui/metrics/" + metric), By.cssSelector("[data-testid=read-only]"));
    assertThat(d.findElements(By.cssSelector("main form[method=post]"))).isEmpty();
    Browser.open(d, url("/ui/flags/new-header"), By.cssSelector("[data-testid=comments]"));
    assertThat(d.findElements(By.cssSelector("[data-testid=comment-form]"))).isEmpty();
  }

  @Test
  void eventsPage_showsAJustIngestedEvent_byItself() throws Exception {
    signIn("admin", ServeProcess.ADMIN_PASSWORD);
    Browser.open(d, url("/ui/events?window=5m"), By.cssSelector("[data-testid=events-live]"));
    String name = "ui_probe_" + System.nanoTime();
    HttpResponse<String> sent = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
            URI.create(serve.baseUrl() + "/api/v1/events"))
        .header("Authorization", "Bearer " + serve.demoClientKey).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("[{\"id\":\"" + name + "\",\"type\":\"metric\",\"name\":\"" + name
            + "\",\"unitId\":\"probe-user\",\"timestamp\":" + System.currentTimeMillis() + "}]")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(sent.body()).contains("\"accepted\":1");
    // No reload: the live part is fetched again every 2 seconds.
    WebElement row = Browser.waitFor(d).until(ExpectedConditions.visibilityOfElementLocated(
        By.xpath("//table[@data-testid='by-name']//code[text()='" + name + "']")));
    assertThat(row.isDisplayed()).isTrue();
    assertThat(d.findElement(By.cssSelector("[data-testid=unmatched]")).getText())
        .contains("no metric reads event '" + name + "'");
  }

  @Test
  void eventsPage_flaggedExposure_countedByReason_byItself() throws Exception {
    serve.admin("PUT", "/data-quality", "{\"flagging\":true}");
    try {
      signIn("admin", ServeProcess.ADMIN_PASSWORD);
      Browser.open(d, url("/ui/events?window=5m"), By.cssSelector("[data-testid=flagged]"));
      String ghost = "ui_ghost_" + System.nanoTime();
      HttpResponse<String> sent = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
              URI.create(serve.baseUrl() + "/api/v1/events"))
          .header("Authorization", "Bearer " + serve.demoClientKey).header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString("[{\"id\":\"" + ghost + "\",\"type\":\"exposure\","
              + "\"experimentKey\":\"" + ghost + "\",\"variationId\":0,\"unitId\":\"probe-user\",\"timestamp\":"
              + System.currentTimeMillis() + "}]")).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(sent.body()).contains("\"accepted\":1");
      // No reload: the next fetch of the live part lists the flagged exposure by name and by reason.
      WebElement row = Browser.waitFor(d).until(ExpectedConditions.visibilityOfElementLocated(
          By.xpath("//table[@data-testid='flagged-by-name']//tr[td/code[text()='" + ghost + "']]")));
      assertThat(row.getText()).contains("exposure", "unknown experiment", "1");
      assertThat(d.findElement(By.cssSelector("[data-testid=flagged-by-reason] tr[data-reason=unknown_experiment]"))
          .getText()).startsWith("unknown experiment");
    } finally {
      serve.admin("PUT", "/data-quality", "{}");
    }
  }

  @Test
  void comment_addedOnAFlag_showsInTheAuditLog() {
    signIn("admin", ServeProcess.ADMIN_PASSWORD);
    Browser.open(d, url("/ui/flags/new-header"), By.cssSelector("[data-testid=comment-form]"));
    d.findElement(By.xpath("//button[text()='Add comment']")).click();
    WebElement refused = Browser.waitFor(d).until(ExpectedConditions.visibilityOfElementLocated(By.id("comment-error")));
    assertThat(refused.getText()).isEqualTo("must not be empty");
    assertThat(d.findElement(By.id("comment-text")).getAttribute("aria-describedby")).isEqualTo("comment-error");
    String text = "Rollout checked with support " + System.nanoTime();
    d.findElement(By.id("comment-text")).sendKeys(text);
    d.findElement(By.xpath("//button[text()='Add comment']")).click();
    Browser.waitFor(d).until(ExpectedConditions.textToBePresentInElementLocated(
        By.cssSelector("[data-testid=comments] .comment-list"), text));
    Browser.open(d, url("/ui/audit?kind=flag&key=new-header"), By.cssSelector("[data-testid=audit-entries]"));
    String audit = d.findElement(By.cssSelector("[data-testid=audit-entries]")).getText();
    assertThat(audit).contains("comment", "new-header");
    d.findElement(By.cssSelector("[data-testid=audit-entries] details summary")).click();
    assertThat(d.findElement(By.cssSelector("[data-testid=audit-entries] details pre")).getText()).contains(text);
  }

  @Test
  void adminPages_haveNoSeriousAccessibilityViolations() {
    signIn("admin", ServeProcess.ADMIN_PASSWORD);
    String metric = serve.admin("GET", "/metrics", null).path("items").path(0).path("key").asText();
    for (String page : List.of("/ui/metrics", "/ui/metrics/" + metric, "/ui/segments", "/ui/layers", "/ui/holdouts",
        "/ui/events", "/ui/audit", "/ui/audit/verify", "/ui/users", "/ui/archive", "/ui/archive?q=nothing")) {
      Browser.open(d, url(page), By.id("main"));
      assertThat(Browser.seriousAccessibilityViolations(d)).as(page).isEmpty();
    }
  }
}
