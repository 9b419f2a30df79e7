package dev.assay.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.assay.testsupport.TestPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;

/**
 * The warehouse check page in a real Chromium against a real {@code assay serve} reading a
 * customer's own PostgreSQL tables through a mapping file (docs/warehouses.md "Your own tables"):
 * reached from the navigation, the mapping's {@code variationId} names a column the table lacks
 * and the page says so in that field's row, the rows inserted are the sample rows, the metric
 * source is OK; axe-core on the page; the screenshot of docs/ui.md.
 */
class WarehouseUiBrowserE2ETest {
  @RegisterExtension
  static final Browser SCREENSHOT_ON_FAILURE = new Browser();
  private static String schema;
  private static ServeProcess serve;
  private static WebDriver d;

  @BeforeAll
  static void start() throws Exception {
    schema = TestPostgres.freshSchema();
    try (Connection c = DriverManager.getConnection(TestPostgres.url()); Statement st = c.createStatement()) {
      st.execute("CREATE SCHEMA " + schema);
      st.execute("CREATE TABLE " + schema + ".assignments (user_id TEXT, assigned_at TIMESTAMPTZ, experiment TEXT,"
          + " variant_index INT)");
      st.execute("CREATE TABLE " + schema + ".orders (customer TEXT, created TIMESTAMPTZ, kind TEXT,"
          + " total NUMERIC(10, 2))");
      st.execute("INSERT INTO " + schema + ".assignments VALUES"
          + " ('cust-101', '2026-12-01 09:00:00+00', 'checkout', 0),"
          + " ('cust-102', '2026-12-01 09:05:00+00', 'checkout', 1),"
          + " ('cust-103', '2026-12-01 09:10:00+00', 'checkout', 1)");
      st.execute("INSERT INTO " + schema + ".orders VALUES ('cust-102', '2026-12-01 10:00:00+00', 'purchase', 42.50),"
          + " ('cust-103', '2026-12-01 11:00:00+00', 'refund', 9.99)");
    }
    Path dir = Files.createTempDirectory("assay-e2e-warehouse-");
    Path mapping = Files.writeString(dir.resolve("warehouse.yaml"), "exposures: " + schema + ".assignments\n"
        + "metrics: |\n"
        + "  SELECT customer AS user_id, created AS assigned_at, kind, total FROM " + schema + ".orders\n"
        + "  WHERE kind <> 'refund'\n"
        + "columns:\n  unitId: user_id\n  timestamp: assigned_at\n  timestampIsMillis: false\n"
        + "  experimentKey: experiment\n  variationId: variant\n  eventName: kind\n  value: total\n");
    serve = new ServeProcess(dir.resolve("data"), List.of("--warehouse-url", TestPostgres.url(), "--warehouse-schema",
        mapping.toString()), Map.of());
    d = Browser.driver();
  }

  @AfterAll
  static void stop() throws Exception {
    if (serve != null) {
      serve.close();
    }
    try (Connection c = DriverManager.getConnection(TestPostgres.url()); Statement st = c.createStatement()) {
      st.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
    }
  }

  @Test
  void admin_seesTheMissingColumnInItsRow_andTheSampleRows() {
    Browser.signIn(d, serve.baseUrl(), "admin", ServeProcess.ADMIN_PASSWORD);
    Browser.size(d, 1280, 1500);
    Browser.open(d, serve.baseUrl() + "/ui/flags?project=demo", By.cssSelector("nav a[href^='/ui/warehouse']")).click();
    WebElement status = Browser.waitFor(d).until(org.openqa.selenium.support.ui.ExpectedConditions
        .visibilityOfElementLocated(By.cssSelector("[data-testid=warehouse-status]")));
    assertThat(status.getAttribute("data-ok")).isEqualTo("false");
    assertThat(d.findElement(By.cssSelector("[data-testid=warehouse-dialect]")).getText()).isEqualTo("postgresql");

    WebElement exposures = d.findElement(By.cssSelector("[data-source=exposures]"));
    assertThat(exposures.findElement(By.cssSelector("[data-testid=source-table]")).getText())
        .isEqualTo(schema + ".assignments");
    WebElement variation = exposures.findElement(By.cssSelector("[data-field='columns.variationId']"));
    assertThat(variation.getAttribute("data-ok")).isEqualTo("false");
    assertThat(variation.findElement(By.cssSelector("[data-testid=field-problem]")).getText())
        .isEqualTo("the source has no column 'variant'");
    assertThat(exposures.findElements(By.cssSelector("[data-testid=field-problem]"))).hasSize(1);
    List<String> units = exposures.findElements(By.cssSelector("[data-testid=sample-row] td:first-child")).stream()
        .map(WebElement::getText).toList();
    assertThat(units).containsExactlyInAnyOrder("cust-101", "cust-102", "cust-103");

    WebElement metrics = d.findElement(By.cssSelector("[data-source=metrics]"));
    assertThat(metrics.getAttribute("data-ok")).isEqualTo("true");
    List<WebElement> orders = metrics.findElements(By.cssSelector("[data-testid=sample-row]"));
    assertThat(orders).hasSize(1); // the source query filters the refund out
    assertThat(orders.get(0).getText()).contains("cust-102").contains("purchase").contains("42.5");
    assertThat(Browser.seriousAccessibilityViolations(d)).isEmpty();
    Browser.screenshot(d, Path.of("..", "docs", "images").resolve("ui-warehouse.png"));

    // On a phone the tables and the query scroll inside their boxes; the page does not scroll sideways.
    Browser.size(d, 390, 844);
    try {
      long width = ((Number) ((org.openqa.selenium.JavascriptExecutor) d)
          .executeScript("return document.documentElement.scrollWidth;")).longValue();
      assertThat(width).as("warehouse page at 390 px").isLessThanOrEqualTo(390);
      Browser.screenshot(d, Path.of("..", "docs", "images").resolve("ui-warehouse-phone.png"));
    } finally {
      Browser.size(d, 1280, 800);
    }
  }
}
