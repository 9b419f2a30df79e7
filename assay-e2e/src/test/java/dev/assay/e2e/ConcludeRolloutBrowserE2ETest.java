package dev.assay.e2e;

import static org.assertj.core.api.Assertions.assertThat;

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
 * "Ship and roll out gradually" from the conclude form in a real Chromium against a real {@code
 * assay serve --demo} (issue 17, ADR 0051): the rollout options appear only for a "ship" decision
 * and once "Roll out gradually" is ticked (CSS, no script); a bad step list is refused next to its
 * input with the experiment still stopped; the corrected form concludes the experiment and the
 * flag's page shows the rollout running at its first step. axe-core on the form, and the
 * screenshot of docs/ui.md.
 */
class ConcludeRolloutBrowserE2ETest {
  @RegisterExtension
  static final Browser SCREENSHOT_ON_FAILURE = new Browser();
  private static ServeProcess serve;
  private static WebDriver d;

  @BeforeAll
  static void start() throws Exception {
    serve = new ServeProcess();
    d = Browser.driver();
    serve.admin("POST", "/experiments", """
        {"key":"pricing-page","name":"Pricing page layout",
         "variants":[{"key":"control","weight":0.5,"value":"table"},{"key":"cards","weight":0.5,"value":"cards"}],
         "metrics":{"primary":"purchase"}}""");
    serve.admin("POST", "/flags", """
        {"key":"pricing-layout","type":"string","defaultValue":"table",
         "environments":{"production":{"enabled":true,"rules":[{"experiment":"pricing-page"}]}}}""");
    serve.admin("POST", "/experiments/pricing-page/start", "{}");
    serve.admin("POST", "/experiments/pricing-page/stop", "{}");
  }

  @AfterAll
  static void stop() throws Exception {
    serve.close();
  }

  private static String url(String path) {
    return serve.baseUrl() + path + "?project=demo";
  }

  private static void type(String id, String text) {
    WebElement e = d.findElement(By.id(id));
    e.clear();
    e.sendKeys(text);
  }

  @Test
  void shipAndRollOutGradually_concludesAndTheFlagPageShowsTheRolloutAtStepOne() {
    Browser.signIn(d, serve.baseUrl(), "admin", ServeProcess.ADMIN_PASSWORD);
    WebElement form = Browser.open(d, url("/ui/experiments/pricing-page"), By.cssSelector("[data-testid=conclude-form]"));
    WebElement gradually = d.findElement(By.cssSelector("[data-testid=rollout-gradually]"));
    assertThat(gradually.isDisplayed()).as("hidden until the decision is ship").isFalse();
    form.findElement(By.cssSelector("[data-testid=outcome-ship]")).click();
    new Select(d.findElement(By.id("f-decision-variant"))).selectByValue("cards");
    new Select(d.findElement(By.id("f-decision-audience"))).selectByValue("everyone");
    type("f-decision-writeup", "Cards lifted purchases; ramp them carefully.");
    assertThat(gradually.isDisplayed()).isTrue();
    assertThat(d.findElement(By.id("f-rollout-steps")).isDisplayed()).as("plan hidden until ticked").isFalse();
    gradually.click();
    assertThat(new Select(d.findElement(By.id("f-rollout-rule"))).getFirstSelectedOption().getText())
        .isEqualTo("pricing-layout in production (rule 1)");
    assertThat(d.findElement(By.id("f-rollout-steps")).getDomProperty("value")).isEqualTo("1, 5, 25, 50, 100");
    type("f-rollout-steps", "1, 5, 25, 50");
    type("f-rollout-dwellSeconds", "1800");
    type("f-rollout-minUnitsPerStep", "200");
    type("f-rollout-gates-errorRateMargin", "0.02");
    new Select(d.findElement(By.id("f-rollout-guardrail-0-metric"))).selectByValue("purchase");
    type("f-rollout-guardrail-0-margin", "0.01");
    d.findElement(By.cssSelector("[data-testid=conclude]")).click();

    WebElement error = Browser.waitFor(d).until(ExpectedConditions.visibilityOfElementLocated(
        By.id("f-rollout-steps-error")));
    assertThat(error.getText()).isEqualTo("must end at 100 (every unit the rule matches), ends at 50");
    assertThat(d.findElement(By.cssSelector("[data-testid=experiment-status]")).getText()).isEqualTo("stopped");
    assertThat(d.findElement(By.id("f-rollout-steps")).getDomProperty("value")).isEqualTo("1, 5, 25, 50");
    assertThat(d.findElement(By.id("f-rollout-guardrail-0-margin")).getDomProperty("value")).isEqualTo("0.01");
    assertThat(serve.admin("GET", "/experiments/pricing-page", null).path("status").asText()).isEqualTo("stopped");

    assertThat(Browser.seriousAccessibilityViolations(d)).isEmpty();
    ((JavascriptExecutor) d).executeScript("document.getElementById('conclude-heading').scrollIntoView({block: 'start'})");
    Browser.screenshot(d, Path.of("..", "docs", "images", "ui-conclude-rollout.png"));
    type("f-rollout-steps", "1, 5, 25, 50, 100");
    d.findElement(By.cssSelector("[data-testid=conclude]")).click();

    Browser.waitFor(d).until(ExpectedConditions.textToBePresentInElementLocated(
        By.cssSelector("[data-testid=experiment-status]"), "concluded"));
    assertThat(d.findElement(By.cssSelector(".flash")).getText()).contains("rollout of cards started");
    JsonNode r = serve.admin("GET", "/flags/pricing-layout/rollout?environment=production", null);
    assertThat(r.path("status").asText()).isEqualTo("running");
    assertThat(r.path("step").asInt()).isZero();
    assertThat(r.path("steps").toString()).isEqualTo("[0.01,0.05,0.25,0.5,1.0]");
    assertThat(r.at("/gates/guardrails").toString()).isEqualTo("[{\"metric\":\"purchase\",\"margin\":0.01}]");

    Browser.open(d, url("/ui/flags/pricing-layout"), By.cssSelector("[data-testid=rollout-production-status]"));
    assertThat(d.findElement(By.cssSelector("[data-testid=rollout-production-status]")).getText()).isEqualTo("running");
    assertThat(d.findElement(By.cssSelector("[data-testid=rollout-production]")).getText())
        .contains("serving 1% of units", "steps [1%] → 5% → 25% → 50% → 100%");
  }
}
