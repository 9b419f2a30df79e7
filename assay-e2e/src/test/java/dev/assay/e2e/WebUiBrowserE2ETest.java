package dev.assay.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
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

/**
 * The web UI in a real Chromium against a real {@code assay serve --demo}: sign-in, a flag with a
 * 30% rollout that reaches the SDK payload, a viewer who is offered no edit and whose forged post
 * is refused, CSRF, a form error beside its field, accessibility (axe-core) and the screenshots
 * of docs/ui.md.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class WebUiBrowserE2ETest {
  @RegisterExtension
  static final Browser SCREENSHOT_ON_FAILURE = new Browser();
  private static final ObjectMapper JSON = new ObjectMapper();
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

  /** Signs in through the form (a fresh session: cookies of earlier tests are dropped first). */
  private static void signIn(String user, String password) {
    Browser.signIn(d, serve.baseUrl(), user, password);
  }

  private static JsonNode payload() throws Exception {
    HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
        URI.create(url("/api/features/" + serve.demoClientKey))).build(), HttpResponse.BodyHandlers.ofString());
    return JSON.readTree(r.body());
  }

  /** Posts a form from inside the page (as a forged or token-less request would), returning the status. */
  private static long postFromPage(String path, String body) {
    Object status = ((JavascriptExecutor) d).executeAsyncScript("var done = arguments[arguments.length - 1];"
        + "fetch(arguments[0], {method: 'POST', headers: {'Content-Type': 'application/x-www-form-urlencoded'},"
        + " body: arguments[1], redirect: 'manual'}).then(function (r) { done(r.status); }, function (e) { done(-1); });",
        path, body);
    return (Long) status;
  }

  private static String csrfOfPage() {
    return d.findElement(By.cssSelector("meta[name=csrf-token]")).getAttribute("content");
  }

  @Test
  void signIn_showsTheUserRoleAndNavigation() {
    signIn("admin", ServeProcess.ADMIN_PASSWORD);
    assertThat(d.findElement(By.cssSelector("[data-testid=signed-in-user]")).getText()).contains("admin", "(admin)");
    List<String> nav = d.findElements(By.cssSelector("nav[aria-label=Main] a")).stream().map(WebElement::getText).toList();
    assertThat(nav).contains("Flags", "Experiments", "Metrics", "Segments", "Layers", "Holdouts", "Events", "Audit",
        "Users & keys");
  }

  @Test
  void createFlag_with30PercentRollout_changesTheSdkPayload() throws Exception {
    signIn("admin", ServeProcess.ADMIN_PASSWORD);
    Browser.open(d, url("/ui/flags?project=demo"), By.cssSelector("[data-testid=new-flag]")).click();
    Browser.waitFor(d).until(ExpectedConditions.visibilityOfElementLocated(By.id("key"))).sendKeys("ui-rollout");
    d.findElement(By.id("defaultValue")).sendKeys("false");
    d.findElement(By.id("owner-input")).sendKeys("growth");
    d.findElement(By.xpath("//button[text()='Create flag']")).click();
    WebElement value = Browser.waitFor(d).until(ExpectedConditions.visibilityOfElementLocated(By.id("production-r0-value")));
    assertThat(d.findElement(By.cssSelector(".flash")).getText()).contains("ui-rollout created");
    assertThat(payload().path("features").path("ui-rollout").path("defaultValue").asBoolean(true)).isFalse();
    assertThat(payload().path("features").path("ui-rollout").path("rules").size()).isZero();

    value.sendKeys("true");
    WebElement coverage = d.findElement(By.id("production-r0-coverage"));
    coverage.clear();
    coverage.sendKeys("30");
    WebElement slider = d.findElement(By.cssSelector("input[type=range][data-mirror=production-r0-coverage]"));
    assertThat(slider.getDomProperty("value")).isEqualTo("30"); // the slider follows the number (our JS, under the CSP)
    d.findElement(By.xpath("//button[text()='Save production rules']")).click();
    Browser.waitFor(d).until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector(".flash"),
        "Rules of production saved"));

    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    JsonNode rule = payload().path("features").path("ui-rollout").path("rules").path(0);
    while (rule.isMissingNode() && System.nanoTime() < deadline) {
      Thread.sleep(100);
      rule = payload().path("features").path("ui-rollout").path("rules").path(0);
    }
    assertThat(rule.path("coverage").asDouble()).isEqualTo(0.3);
    assertThat(rule.path("force").asBoolean()).isTrue();
    assertThat(d.findElement(By.cssSelector("[data-testid=flag-history]")).getText()).contains("update", "create");

    // The preview, through HTMX (our JS under the CSP): the SDK engine on the payload just checked.
    String page = d.getCurrentUrl();
    d.findElement(By.id("preview-attributes")).sendKeys("{\"id\": \"user-7\"}");
    d.findElement(By.xpath("//button[text()='Evaluate']")).click();
    WebElement result = Browser.waitFor(d).until(
        ExpectedConditions.visibilityOfElementLocated(By.cssSelector("[data-testid=preview-value]")));
    assertThat(result.getText()).matches("(?s)Value: (true|false) .*").contains(serve.demoClientKey);
    assertThat(d.getCurrentUrl()).isEqualTo(page);
  }

  @Test
  void viewer_isOfferedNoEdit_andAForgedPostIsRefused() throws Exception {
    serve.admin("POST", "/flags", "{\"key\":\"viewer-sees\",\"type\":\"boolean\",\"defaultValue\":false}");
    serve.admin("POST", "/users", "{\"key\":\"vic\",\"name\":\"Vic\",\"role\":\"viewer\"}");
    serve.admin("PUT", "/users/vic/password", "{\"password\":\"viewer vic password\"}");
    signIn("vic", "viewer vic password");
    Browser.open(d, url("/ui/flags/viewer-sees?project=demo"), By.cssSelector("[data-testid=rules-production]"));
    assertThat(d.findElements(By.xpath("//button[contains(text(),'Save')]"))).isEmpty();
    assertThat(d.findElements(By.xpath("//button[text()='Kill flag']"))).isEmpty();
    assertThat(d.findElement(By.cssSelector("[data-testid=rules-production] fieldset")).getAttribute("disabled")).isNotNull();
    Browser.open(d, url("/ui/flags?project=demo"), By.cssSelector("[data-testid=flag-list]"));
    assertThat(d.findElements(By.cssSelector("[data-testid=new-flag]"))).isEmpty();

    long status = postFromPage("/ui/flags/viewer-sees/kill?project=demo", "_csrf=" + csrfOfPage() + "&reason=forged");
    assertThat(status).isEqualTo(403);
    assertThat(serve.admin("GET", "/flags/viewer-sees", null).has("killed")).isFalse();
  }

  @Test
  void postWithoutCsrfToken_isRefused_andWithItTheSameChangeIsMade() {
    serve.admin("POST", "/flags", "{\"key\":\"csrf-target\",\"type\":\"boolean\",\"defaultValue\":false}");
    signIn("admin", ServeProcess.ADMIN_PASSWORD);
    Browser.open(d, url("/ui/flags/csrf-target?project=demo"), By.cssSelector("[data-testid=rules-production]"));
    assertThat(postFromPage("/ui/flags/csrf-target/kill?project=demo", "reason=no-token")).isEqualTo(403);
    assertThat(serve.admin("GET", "/flags/csrf-target", null).has("killed")).isFalse();
    assertThat(postFromPage("/ui/flags/csrf-target/kill?project=demo", "_csrf=" + csrfOfPage() + "&reason=ok"))
        .isNotEqualTo(403);
    assertThat(serve.admin("GET", "/flags/csrf-target", null).path("killed").path("reason").asText()).isEqualTo("ok");
  }

  @Test
  void formError_appearsNextToItsField() {
    signIn("admin", ServeProcess.ADMIN_PASSWORD);
    Browser.open(d, url("/ui/flags/new?project=demo"), By.id("key")).sendKeys("not a key!");
    d.findElement(By.id("defaultValue")).sendKeys("false");
    d.findElement(By.xpath("//button[text()='Create flag']")).click();
    WebElement error = Browser.waitFor(d).until(ExpectedConditions.visibilityOfElementLocated(By.id("key-error")));
    assertThat(error.getText()).isNotBlank();
    WebElement input = d.findElement(By.id("key"));
    assertThat(input.getAttribute("aria-invalid")).isEqualTo("true");
    assertThat(input.getAttribute("aria-describedby")).isEqualTo("key-error");
    assertThat(error.findElement(By.xpath("..")).findElement(By.id("key")).getDomProperty("value")).isEqualTo("not a key!");
  }

  @Test
  void mainPages_haveNoSeriousAccessibilityViolations() {
    serve.admin("POST", "/flags", "{\"key\":\"a11y\",\"type\":\"boolean\",\"defaultValue\":false,\"tags\":[\"ui\"]}");
    d.get(url("/ui/login"));
    d.manage().deleteAllCookies();
    Browser.open(d, url("/ui/login"), By.id("user"));
    assertThat(Browser.seriousAccessibilityViolations(d)).as("sign-in page").isEmpty();
    signIn("admin", ServeProcess.ADMIN_PASSWORD);
    for (String page : List.of("/ui/flags?project=demo", "/ui/flags/a11y?project=demo", "/ui/flags/new?project=demo",
        "/ui/project?project=demo", "/ui/experiments?project=demo")) {
      Browser.open(d, url(page), By.id("main"));
      assertThat(Browser.seriousAccessibilityViolations(d)).as(page).isEmpty();
    }
  }

  /* First, so the pictures show the demo project as a new user sees it, not the other tests' flags. */
  @Test
  @Order(1)
  void screenshotsOfTheMainPages_forTheDocs() {
    Path images = Path.of("..", "docs", "images");
    d.get(url("/ui/login"));
    d.manage().deleteAllCookies();
    Browser.open(d, url("/ui/login"), By.id("user"));
    Browser.screenshot(d, images.resolve("ui-sign-in.png"));
    signIn("admin", ServeProcess.ADMIN_PASSWORD);
    Browser.open(d, url("/ui/flags?project=demo"), By.cssSelector("[data-testid=flag-list]"));
    Browser.screenshot(d, images.resolve("ui-flags.png"));
    Browser.open(d, url("/ui/flags/new-header?project=demo"), By.cssSelector("[data-testid=rules-production]"));
    Browser.screenshot(d, images.resolve("ui-flag.png"));
    Browser.open(d, url("/ui/project?project=demo"), By.cssSelector("[data-testid=client-key]"));
    Browser.screenshot(d, images.resolve("ui-project.png"));
    Browser.size(d, 390, 844);
    Browser.open(d, url("/ui/flags?project=demo"), By.cssSelector("[data-testid=flag-list]"));
    Browser.screenshot(d, images.resolve("ui-flags-phone.png"));
    Browser.size(d, 1280, 800);
  }
}
