package dev.assay.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;

/**
 * Four-eyes approval in a real Chromium against a real {@code assay serve --demo}: under a
 * production approval policy, an experimenter's save of a production rule on the flag page is
 * refused with the offer to open a change request; she opens it, her own approval is refused
 * with the reason on the page; a second experimenter approves it in the UI, and the API then
 * serves the change. axe-core on the change-request pages, and the screenshot of docs/ui.md.
 */
class ApprovalsBrowserE2ETest {
  @RegisterExtension
  static final Browser SCREENSHOT_ON_FAILURE = new Browser();
  private static final String PASSWORD = "approvals e2e password";
  private static ServeProcess serve;
  private static WebDriver d;

  @BeforeAll
  static void start() throws Exception {
    serve = new ServeProcess();
    d = Browser.driver();
    serve.admin("POST", "/flags", """
        {"key":"promo-banner","type":"string","defaultValue":"none",
         "environments":{"production":{"enabled":true,"rules":[{"value":"spring"}]}}}""");
    serve.admin("PUT", "/approval-policies/production", "{\"approvals\":1,\"role\":\"experimenter\"}");
    for (String user : new String[] {"erin", "finn"}) {
      serve.admin("POST", "/users", "{\"key\":\"" + user + "\",\"name\":\"" + user + "\",\"role\":\"experimenter\"}");
      serve.admin("PUT", "/users/" + user + "/password", "{\"password\":\"" + PASSWORD + "\"}");
    }
  }

  @AfterAll
  static void stop() throws Exception {
    serve.close();
  }

  private static String url(String path) {
    return serve.baseUrl() + path + (path.contains("?") ? "&" : "?") + "project=demo";
  }

  private static void type(String id, String text) {
    WebElement e = d.findElement(By.id(id));
    e.clear();
    e.sendKeys(text);
  }

  @Test
  void changeRequestOpenedFromTheFlagPage_isApprovedBySomeoneElse_andApplied() {
    Browser.signIn(d, serve.baseUrl(), "erin", PASSWORD);
    Browser.open(d, url("/ui/flags/promo-banner"), By.cssSelector("[data-testid=rules-production]"));
    WebElement value = d.findElement(By.name("environments.production.rules[0].value"));
    value.clear();
    value.sendKeys("summer");
    d.findElement(By.xpath("//button[text()='Save production rules']")).click();
    WebElement offer = Browser.waitFor(d).until(ExpectedConditions.visibilityOfElementLocated(
        By.cssSelector("[data-testid=env-production-propose]")));
    assertThat(offer.getText()).contains("needs approval");
    assertThat(d.findElement(By.name("environments.production.rules[0].value")).getDomProperty("value"))
        .isEqualTo("summer");
    type("env-production-title", "Summer promo in production");
    d.findElement(By.xpath("//button[text()='Open a change request']")).click();

    WebElement diff = Browser.waitFor(d).until(ExpectedConditions.visibilityOfElementLocated(
        By.cssSelector("[data-testid=request-diff]")));
    assertThat(diff.getText()).contains("/environments/production/rules/0/value", "\"spring\"", "\"summer\"");
    assertThat(d.findElement(By.cssSelector("[data-testid=request-status]")).getText()).isEqualTo("open");
    String requestUrl = d.getCurrentUrl();
    assertThat(Browser.seriousAccessibilityViolations(d)).isEmpty();

    type("approve-comment", "my own change");
    d.findElement(By.xpath("//button[text()='Approve']")).click();
    WebElement refused = Browser.waitFor(d).until(ExpectedConditions.visibilityOfElementLocated(
        By.cssSelector("[data-testid=approve-error]")));
    assertThat(refused.getText()).contains("cannot approve it");
    assertThat(serve.admin("GET", "/flags/promo-banner", null).at("/environments/production/rules/0/value").asText())
        .isEqualTo("spring");
    Browser.open(d, url("/ui/change-requests"), By.cssSelector("[data-testid=change-requests]"));
    assertThat(Browser.seriousAccessibilityViolations(d)).isEmpty();

    Browser.signIn(d, serve.baseUrl(), "finn", PASSWORD);
    Browser.open(d, requestUrl, By.cssSelector("[data-testid=approve-form]"));
    Browser.screenshot(d, Path.of("..", "docs", "images", "ui-change-request.png"));
    type("approve-comment", "Checked with marketing");
    d.findElement(By.xpath("//button[text()='Approve']")).click();
    Browser.waitFor(d).until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector(".flash"),
        "the change is applied"));
    assertThat(d.findElement(By.cssSelector("[data-testid=request-status]")).getText()).isEqualTo("applied");
    assertThat(d.findElement(By.cssSelector("[data-testid=request-reviews]")).getText())
        .contains("Checked with marketing");

    JsonNode flag = serve.admin("GET", "/flags/promo-banner", null);
    assertThat(flag.at("/environments/production/rules/0/value").asText()).isEqualTo("summer");
    JsonNode requests = serve.admin("GET", "/change-requests?status=applied", null).path("items");
    assertThat(requests).hasSize(1);
    assertThat(requests.get(0).at("/approvals/0/by").asText()).contains("finn");
  }
}
