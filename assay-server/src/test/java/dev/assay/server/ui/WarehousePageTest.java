package dev.assay.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import dev.assay.server.analysis.WarehouseAccess;
import dev.assay.server.analysis.WarehouseMapping;
import dev.assay.testsupport.TestPostgres;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The warehouse check page over HTTP ({@code /ui/warehouse}, docs/ui.md): on the embedded DuckDB
 * the events sent through the ingestion API are the sample rows and every field is OK; on a
 * customer's PostgreSQL tables a mapping naming a column the table lacks shows the problem in
 * that field's row, with the mapping's field name, while the other source stays OK; a warehouse
 * that cannot be reached shows the sandbox's message with a log reference and no database text.
 * Admins only: the nav offers it to them, other roles get the 403 page.
 */
class WarehousePageTest {
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  @TempDir
  Path dir;

  @Test
  void embeddedDuckDb_showsTheIngestedRows_andEveryFieldOk_adminsOnly() throws Exception {
    try (UiTestServer server = UiTestServer.embedded()) {
      String clientKey = server.ok("POST", "/sdk-connections", "{\"name\":\"web\",\"environment\":\"production\"}")
          .get("key").asText();
      String events = """
          {"id":"x1","type":"exposure","unitId":"unit-alpha","experimentKey":"checkout","variationId":1,"timestamp":1796637600000}
          {"id":"m1","type":"metric","name":"purchase","unitId":"unit-alpha","value":12.5,"timestamp":1796637601000}
          """;
      HttpResponse<String> posted = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port()
          + "/api/v1/events")).header("Authorization", "Bearer " + clientKey).header("Content-Type",
          "application/x-ndjson").POST(HttpRequest.BodyPublishers.ofString(events)).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(posted.statusCode()).as(posted.body()).isEqualTo(200);

      UiClient admin = server.signIn("admin");
      HttpResponse<String> page = admin.get("/ui/warehouse");
      assertThat(page.statusCode()).as(page.body()).isEqualTo(200);
      String body = page.body();
      assertThat(body).contains("data-testid=\"warehouse-dialect\">duckdb<").contains(">Warehouse</a>")
          .contains("data-testid=\"warehouse-status\" data-ok=\"true\"");
      assertThat(between(body, "data-testid=\"warehouse-engine\">", "<")).startsWith("DuckDB");
      String exposures = source(body, "exposures");
      assertThat(exposures).contains("data-ok=\"true\"");
      assertThat(row(exposures, "columns.variationId")).contains("<code>variation_id</code>").contains(">OK<");
      assertThat(exposures).doesNotContain("data-testid=\"field-problem\"");
      assertThat(sampleRows(exposures)).hasSize(1);
      assertThat(sampleRows(exposures).get(0)).contains("<td>unit-alpha</td>").contains("<td>checkout</td>");
      String metrics = source(body, "metrics");
      assertThat(row(metrics, "columns.value")).contains("<code>value</code>").contains(">OK<");
      assertThat(sampleRows(metrics)).hasSize(1);
      assertThat(sampleRows(metrics).get(0)).contains("<td>purchase</td>").contains("<td>12.5</td>");

      server.user("eve", "experimenter");
      UiClient experimenter = server.signIn("eve");
      HttpResponse<String> refused = experimenter.get("/ui/warehouse");
      assertThat(refused.statusCode()).isEqualTo(403);
      assertThat(refused.body()).contains("Not allowed").doesNotContain("unit-alpha");
      assertThat(experimenter.get("/ui/flags").body()).doesNotContain(">Warehouse</a>");
    }
  }

  @Test
  void customerPostgres_aMappedColumnTheTableLacks_isShownInItsRow() throws Exception {
    String schema = TestPostgres.freshSchema();
    String role = schema + "_reader";
    try (Connection owner = DriverManager.getConnection(TestPostgres.url())) {
      try (Statement st = owner.createStatement()) {
        st.execute("CREATE SCHEMA " + schema);
        st.execute("CREATE TABLE " + schema + ".assignments (user_id TEXT, assigned_at TIMESTAMPTZ, experiment TEXT,"
            + " variant_index INT)");
        st.execute("CREATE TABLE " + schema + ".orders (customer TEXT, created TIMESTAMPTZ, kind TEXT,"
            + " total NUMERIC(10, 2))");
        st.execute("INSERT INTO " + schema + ".assignments VALUES ('cust-7', now(), 'checkout', 1)");
        st.execute("INSERT INTO " + schema + ".orders VALUES ('cust-7', now(), 'purchase', 19.99),"
            + " ('cust-8', now(), 'refund', 5)");
        st.execute("CREATE ROLE " + role + " LOGIN PASSWORD 'reader-secret-1'");
        st.execute("GRANT USAGE ON SCHEMA " + schema + " TO " + role);
        st.execute("GRANT SELECT ON ALL TABLES IN SCHEMA " + schema + " TO " + role);
      }
      try {
        Path file = Files.writeString(dir.resolve("warehouse.yaml"), "exposures: " + schema + ".assignments\n"
            + "metrics: |\n"
            + "  SELECT customer AS user_id, created AS assigned_at, kind, total FROM " + schema + ".orders\n"
            + "  WHERE kind <> 'refund'\n"
            + "columns:\n  unitId: user_id\n  timestamp: assigned_at\n  timestampIsMillis: false\n"
            + "  experimentKey: experiment\n  variationId: variant\n  eventName: kind\n  value: total\n");
        WarehouseAccess access = new WarehouseAccess(Optional.of(WarehouseMapping.read(file)), Optional.of(role),
            Optional.of("reader-secret-1"));
        String url = TestPostgres.url().replaceAll("[?&]user=[^&]*", "");
        try (UiTestServer server = UiTestServer.embedded(b -> b.warehouseUrl(url).warehouseAccess(access))) {
          String body = server.signIn("admin").get("/ui/warehouse").body();
          assertThat(body).contains("data-testid=\"warehouse-dialect\">postgresql<")
              .contains("data-testid=\"warehouse-status\" data-ok=\"false\"");
          assertThat(between(body, "data-testid=\"warehouse-engine\">", "<")).startsWith("PostgreSQL");
          String exposures = source(body, "exposures");
          assertThat(exposures).contains("data-ok=\"false\"").contains(schema + ".assignments");
          String variation = row(exposures, "columns.variationId");
          assertThat(variation).contains("data-ok=\"false\"").contains("<code>variant</code>")
              .contains("data-testid=\"field-problem\"").contains("the source has no column");
          assertThat(row(exposures, "columns.unitId")).contains("<code>text</code>").contains(">OK<");
          assertThat(exposures).containsOnlyOnce("data-testid=\"field-problem\"");
          assertThat(sampleRows(exposures)).hasSize(1);
          assertThat(sampleRows(exposures).get(0)).contains("<td>cust-7</td>").contains("<td>1</td>");
          String metrics = source(body, "metrics");
          assertThat(metrics).contains("data-ok=\"true\"").contains("data-testid=\"source-query\"");
          assertThat(row(metrics, "columns.value")).contains("<code>numeric</code>").contains(">OK<");
          // the source query filters the refund out: one row, the purchase
          assertThat(sampleRows(metrics)).hasSize(1);
          assertThat(sampleRows(metrics).get(0)).contains("<td>cust-7</td>").contains("<td>19.99</td>");
        }
      } finally {
        try (Statement st = owner.createStatement()) {
          st.execute("DROP SCHEMA " + schema + " CASCADE");
          st.execute("DROP ROLE " + role);
        }
      }
    }
  }

  @Test
  void unreachableWarehouse_showsAReference_notTheDatabasesText() throws Exception {
    int closed;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      closed = s.getLocalPort();
    }
    String url = "jdbc:postgresql://127.0.0.1:" + closed + "/test?connectTimeout=2";
    try (UiTestServer server = UiTestServer.embedded(b -> b.warehouseUrl(url))) {
      HttpResponse<String> page = server.signIn("admin").get("/ui/warehouse");
      assertThat(page.statusCode()).isEqualTo(200);
      String exposures = source(page.body(), "exposures");
      String failure = between(exposures, "data-testid=\"source-failure\">", "</p>");
      assertThat(failure).contains("cannot be read").containsPattern("reference [0-9a-f]+")
          .doesNotContainIgnoringCase("refused").doesNotContain(String.valueOf(closed));
      assertThat(exposures).contains("not checked").doesNotContain("data-testid=\"sample-row\"");
      assertThat(page.body()).contains("data-testid=\"warehouse-status\" data-ok=\"false\"");
    }
  }

  /* The section of one source. */
  private static String source(String body, String name) {
    return between(body, "data-source=\"" + name + "\"", "</section>");
  }

  /* The row of one field of the mapping. */
  private static String row(String section, String field) {
    return between(section, "data-field=\"" + field + "\"", "</tr>");
  }

  private static java.util.List<String> sampleRows(String section) {
    Matcher m = Pattern.compile("data-testid=\"sample-row\">(.*?)</tr>", Pattern.DOTALL).matcher(section);
    java.util.List<String> rows = new java.util.ArrayList<>();
    while (m.find()) {
      rows.add(m.group(1));
    }
    return rows;
  }

  private static String between(String text, String start, String end) {
    int from = text.indexOf(start);
    assertThat(from).as("%s in %s", start, text).isNotNegative();
    int to = text.indexOf(end, from + start.length());
    return text.substring(from + start.length(), to < 0 ? text.length() : to);
  }
}
