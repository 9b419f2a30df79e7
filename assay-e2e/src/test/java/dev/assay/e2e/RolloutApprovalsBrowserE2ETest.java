package dev.assay.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;

/**
 * A progressive rollout under a production approval policy in a real Chromium against a real
 * {@code assay serve --demo} (issue 17, ADR 0049): the flag page says the policy holds a start
 * and offers "Request approval to start"; the start form takes guardrail gates, and a bad margin
 * is refused next to its input; the request opens with a diff against the rollout as it is, the
 * flag page shows it pending, and a second experimenter's approval starts the rollout with its
 * gates, which the API then serves. axe-core on the flag page, and the screenshots of docs/ui.md.
 */
class RolloutApprovalsBrowserE2ETest {
  @RegisterExtension
  static final Browser SCREENSHOT_ON_FAILURE = new Browser();
  private static final String PASSWORD = "rollout approvals e2e password";
  private static ServeProcess serve;
  private static WebDriver d;

  @BeforeAll
  static void start() throws Exception {
    serve = new ServeProcess();
    d = Browser.driver();
    serve.admin("POST", "/flags", """
        {"key":"new-checkout","type":"boolean","defaultValue":false,
         "environments":{"production":{"enabled":true,"rules":[{"value":true}]}}}""");
    serve.admin("PUT", "/approval-policies/production", "{\"approvals\":1,\"role\":\"experimenter\"}");
    for (String user : new String[] {"gail", "hugo"}) {
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

  private static void scrollTo(WebElement e) {
    ((JavascriptExecutor) d).executeScript("arguments[0].scrollIntoView({block: 'start'})", e);
  }

  @Test
  void rolloutStartWithGuardrails_isRequested_approvedBySomeoneElse_andRuns() {
    Browser.signIn(d, serve.baseUrl(), "gail", PASSWORD);
    WebElement section = Browser.open(d, url("/ui/flags/new-checkout"),
        By.cssSelector("[data-testid=rollout-production]"));
    assertThat(d.findElement(By.cssSelector("[data-testid=rollout-production-policy]")).getText())
        .contains("approval policy of production");
    section.findElement(By.tagName("summary")).click();
    type("rollout-production-steps", "5, 25, 100");
    type("rollout-production-dwellSeconds", "1800");
    type("rollout-production-minUnitsPerStep", "500");
    type("rollout-production-gates-errorRateMargin", "0.01");
    type("rollout-production-gates-latencyMarginMillis", "50");
    new Select(d.findElement(By.id("rollout-production-guardrail-0-metric"))).selectByValue("purchase");
    type("rollout-production-guardrail-0-margin", "-0.5");
    type("rollout-production-title", "Ramp the new checkout");
    d.findElement(By.xpath("//button[text()='Request approval to start']")).click();

    WebElement error = Browser.waitFor(d).until(ExpectedConditions.visibilityOfElementLocated(
        By.id("rollout-production-guardrail-0-margin-error")));
    assertThat(error.getText()).isEqualTo("must be a number greater than 0, was '-0.5'");
    assertThat(d.findElement(By.id("rollout-production-guardrail-0-margin")).getDomProperty("value"))
        .isEqualTo("-0.5");
    assertThat(d.findElement(By.id("rollout-production-steps")).getDomProperty("value")).isEqualTo("5, 25, 100");
    assertThat(serve.admin("GET", "/change-requests?status=open", null).path("items")).isEmpty();
    scrollTo(d.findElement(By.cssSelector("[data-testid=rollout-production-start]")));
    Browser.screenshot(d, Path.of("..", "docs", "images", "ui-rollout-gates.png"));
    type("rollout-production-guardrail-0-margin", "0.005");
    new Select(d.findElement(By.id("rollout-production-guardrail-1-metric"))).selectByValue("revenue");
    type("rollout-production-guardrail-1-margin", "2");
    d.findElement(By.xpath("//button[text()='Request approval to start']")).click();

    WebElement diff = Browser.waitFor(d).until(ExpectedConditions.visibilityOfElementLocated(
        By.cssSelector("[data-testid=request-diff]")));
    assertThat(diff.getText()).contains("/steps", "/gates", "purchase", "/fraction", "0.05");
    assertThat(d.findElement(By.cssSelector("[data-testid=request-status]")).getText()).isEqualTo("open");
    String requestUrl = d.getCurrentUrl();

    Browser.open(d, url("/ui/flags/new-checkout"), By.cssSelector("[data-testid=rollout-production-pending]"));
    WebElement pending = d.findElement(By.cssSelector("[data-testid=rollout-production-pending]"));
    assertThat(pending.getText()).contains("start", "Ramp the new checkout", "0 of 1");
    assertThat(Browser.seriousAccessibilityViolations(d)).isEmpty();
    scrollTo(d.findElement(By.cssSelector("[data-testid=rollout-production]")));
    Browser.screenshot(d, Path.of("..", "docs", "images", "ui-rollout-approval.png"));
    assertThatThrownBy(() -> serve.admin("GET", "/flags/new-checkout/rollout?environment=production", null))
        .as("nothing started before approval").hasMessageContaining("404");

    Browser.signIn(d, serve.baseUrl(), "hugo", PASSWORD);
    Browser.open(d, requestUrl, By.cssSelector("[data-testid=approve-form]"));
    type("approve-comment", "Gates look right");
    d.findElement(By.xpath("//button[text()='Approve']")).click();
    Browser.waitFor(d).until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector(".flash"),
        "the change is applied"));

    JsonNode r = serve.admin("GET", "/flags/new-checkout/rollout?environment=production", null);
    assertThat(r.path("status").asText()).isEqualTo("running");
    assertThat(r.path("steps").toString()).isEqualTo("[0.05,0.25,1.0]");
    assertThat(r.path("minUnitsPerStep").asLong()).isEqualTo(500);
    assertThat(r.at("/gates/guardrails").toString())
        .isEqualTo("[{\"metric\":\"purchase\",\"margin\":0.005},{\"metric\":\"revenue\",\"margin\":2.0}]");
    Browser.open(d, url("/ui/flags/new-checkout"), By.cssSelector("[data-testid=rollout-production-status]"));
    assertThat(d.findElement(By.cssSelector("[data-testid=rollout-production-actions]")).getText())
        .contains("Request approval: advance", "Pause");
  }
}
