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
 * The project's privacy settings page in a real Chromium against a real {@code assay serve
 * --demo}: reached from the project page, k = 0 refused beside its input, then a k and a
 * redaction rule saved and served by {@code GET /api/v1/privacy}; axe-core on the page; the
 * screenshot of docs/ui.md.
 */
class PrivacyUiBrowserE2ETest {
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

  private static void type(String id, String text) {
    WebElement e = d.findElement(By.id(id));
    e.clear();
    e.sendKeys(text);
  }

  @Test
  void admin_zeroKRefusedBesideTheField_thenSettingsSaved_andServedByTheApi() {
    Browser.signIn(d, serve.baseUrl(), "admin", ServeProcess.ADMIN_PASSWORD);
    Browser.open(d, serve.baseUrl() + "/ui/project?project=demo", By.cssSelector("[data-testid=privacy-link]")).click();
    Browser.waitFor(d).until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("[data-testid=privacy-form]")));
    assertThat(Browser.seriousAccessibilityViolations(d)).isEmpty();

    type("p-k", "0");
    d.findElement(By.xpath("//button[text()='Save privacy settings']")).click();
    WebElement error = Browser.waitFor(d).until(ExpectedConditions.visibilityOfElementLocated(By.id("p-k-error")));
    assertThat(error.getText()).startsWith("must be a whole number from 1 to 1000000");
    assertThat(d.findElement(By.id("p-k")).getAttribute("aria-invalid")).isEqualTo("true");
    assertThat(d.findElement(By.id("p-k")).getAttribute("aria-describedby")).contains("p-k-error");
    assertThat(serve.admin("GET", "/privacy?project=demo", null).path("minCellUnits").asInt()).isEqualTo(10);

    type("p-k", "12");
    d.findElement(By.cssSelector("#p-consent option[value=strip]")).click();
    type("redaction.0.name", "email");
    d.findElement(By.cssSelector("[id='redaction.0.rule'] option[value=truncate]")).click();
    type("redaction.0.length", "4");
    type("retention.0.name", "page_view");
    type("retention.0.days", "30");
    d.findElement(By.xpath("//button[text()='Save privacy settings']")).click();
    Browser.waitFor(d).until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector(".flash"),
        "Privacy settings of demo saved"));
    JsonNode stored = serve.admin("GET", "/privacy?project=demo", null);
    assertThat(stored.path("minCellUnits").asInt()).isEqualTo(12);
    assertThat(stored.path("consent").asText()).isEqualTo("strip");
    assertThat(stored.at("/redactions/email").asText()).isEqualTo("truncate:4");
    assertThat(stored.at("/retentionDays/page_view").asInt()).isEqualTo(30);
    assertThat(d.findElement(By.cssSelector("[data-testid=stored-minCellUnits]")).getText()).isEqualTo("12");
    assertThat(Browser.seriousAccessibilityViolations(d)).isEmpty();
    Browser.screenshot(d, Path.of("..", "docs", "images").resolve("ui-privacy.png"));
  }
}
