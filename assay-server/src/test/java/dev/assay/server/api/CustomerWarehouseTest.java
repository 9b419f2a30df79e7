package dev.assay.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.assay.server.analysis.WarehouseAccess;
import dev.assay.server.analysis.WarehouseMapping;
import dev.assay.server.analysis.WarehouseSchema;
import dev.assay.testsupport.TestPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The analysis on a customer's own PostgreSQL tables (docs/warehouses.md, "Your own tables"): their
 * names, their column names, a TIMESTAMP time column, the metric events given as a query over the
 * schema, read by a role of its own with SELECT only and credentials outside the URL. The sums
 * the refresh stores are checked against the same sums computed here from the rows inserted, and
 * {@code GET /warehouse} names each mapped column a source lacks.
 */
class CustomerWarehouseTest {
  private static final long HOUR = 3_600_000L;
  @TempDir
  Path dir;
  private String schema;
  private String role;
  private Connection owner;
  private TestServer server;

  @BeforeEach
  void tables() throws Exception {
    schema = TestPostgres.freshSchema();
    role = schema + "_reader";
    owner = DriverManager.getConnection(TestPostgres.url());
    try (Statement st = owner.createStatement()) {
      st.execute("CREATE SCHEMA " + schema);
      st.execute("CREATE TABLE " + schema + ".assignments (user_id TEXT, assigned_at TIMESTAMPTZ, experiment TEXT,"
          + " variant_index INT)");
      st.execute("CREATE TABLE " + schema + ".orders (customer TEXT, created TIMESTAMPTZ, kind TEXT, total NUMERIC(10, 2))");
      st.execute("CREATE ROLE " + role + " LOGIN PASSWORD 'reader-secret-1'");
      st.execute("GRANT USAGE ON SCHEMA " + schema + " TO " + role);
      st.execute("GRANT SELECT ON ALL TABLES IN SCHEMA " + schema + " TO " + role);
    }
  }

  @AfterEach
  void drop() throws Exception {
    if (server != null) {
      server.close();
    }
    try (Statement st = owner.createStatement()) {
      st.execute("DROP SCHEMA " + schema + " CASCADE");
      st.execute("DROP ROLE " + role);
    } finally {
      owner.close();
    }
  }

  private void start(String mapping) throws Exception {
    Path file = Files.writeString(dir.resolve("warehouse.yaml"), mapping);
    WarehouseSchema tables = WarehouseMapping.read(file);
    String url = TestPostgres.url().replaceAll("[?&]user=[^&]*", "");
    WarehouseAccess access = new WarehouseAccess(Optional.of(tables), Optional.of(role), Optional.of("reader-secret-1"));
    server = new TestServer(b -> b.warehouseUrl(url).warehouseAccess(access));
  }

  private String mapping() {
    return "exposures: " + schema + ".assignments\n"
        + "metrics: |\n"
        + "  SELECT customer AS user_id, created AS assigned_at, kind, total FROM " + schema + ".orders\n"
        + "  WHERE kind <> 'refund'\n"
        + "columns:\n"
        + "  unitId: user_id\n"
        + "  timestamp: assigned_at\n"
        + "  timestampIsMillis: false\n"
        + "  experimentKey: experiment\n"
        + "  variationId: variant_index\n"
        + "  eventName: kind\n"
        + "  value: total\n";
  }

  @Test
  void refresh_onTheCustomersTablesAndQuery_sumsEqualTheRowsInserted() throws Exception {
    start(mapping());
    ok(server.admin("POST", "/api/v1/metrics", "{\"key\":\"spend\",\"type\":\"mean\",\"event\":\"purchase\"}"));
    ok(server.admin("POST", "/api/v1/experiments", """
        {"key":"checkout","variants":[{"key":"control","weight":0.5},{"key":"treatment","weight":0.5}],
         "metrics":{"primary":"spend"}}"""));
    ok(server.admin("POST", "/api/v1/experiments/checkout/start", "{}"));
    long start = server.admin("GET", "/api/v1/experiments/checkout", null).json().at("/phases/0/startedAt").asLong();

    long[] n = new long[2];
    double[] sum = new double[2];
    SplittableRandom rnd = new SplittableRandom(7);
    try (PreparedStatement a = owner.prepareStatement("INSERT INTO " + schema
        + ".assignments VALUES (?, to_timestamp(? / 1000.0), 'checkout', ?)");
        PreparedStatement o = owner.prepareStatement("INSERT INTO " + schema
            + ".orders VALUES (?, to_timestamp(? / 1000.0), ?, ?)")) {
      for (int u = 0; u < 300; u++) {
        int v = rnd.nextInt(2);
        long first = start + 1000 + rnd.nextLong(HOUR);
        a.setString(1, "c" + u);
        a.setLong(2, first);
        a.setInt(3, v);
        a.addBatch();
        n[v]++;
        double total = Math.round((20 + 5 * v + 10 * rnd.nextDouble()) * 100) / 100.0;
        order(o, "c" + u, first + HOUR, "purchase", total);
        sum[v] += total;
        order(o, "c" + u, first + 2 * HOUR, "refund", 1000); // filtered out by the source query
      }
      a.executeBatch();
      o.executeBatch();
    }

    JsonNode snapshot = ok(server.admin("POST", "/api/v1/experiments/checkout/refresh", "{}")).json();
    JsonNode units = snapshot.at("/health/units");
    assertThat(units.get(0).path("units").asLong()).as(snapshot.toString()).isEqualTo(n[0]);
    assertThat(units.get(1).path("units").asLong()).isEqualTo(n[1]);
    JsonNode stats = server.admin("GET", "/api/v1/snapshots/" + snapshot.path("snapshotId").asLong() + "/lineage", null)
        .json();
    assertThat(stats.toString()).contains(schema + ".orders").contains("refund");
    JsonNode spend = snapshot.at("/sufficientStatistics/spend");
    for (int v = 0; v < 2; v++) {
      assertThat(spend.get(v).path("n").asLong()).isEqualTo(n[v]);
      assertThat(spend.get(v).path("sumY").asDouble()).as("variation %d: purchases only, refunds filtered", v)
          .isCloseTo(sum[v], org.assertj.core.data.Offset.offset(1e-6));
    }
    JsonNode result = snapshot.at("/results/0");
    assertThat(result.path("controlMean").asDouble()).isCloseTo(sum[0] / n[0], org.assertj.core.data.Offset.offset(1e-9));
    assertThat(result.path("variantMean").asDouble()).isCloseTo(sum[1] / n[1], org.assertj.core.data.Offset.offset(1e-9));
  }

  @Test
  void warehouseCheck_namesTheMissingColumn_andShowsSampleRows() throws Exception {
    start(mapping().replace("variationId: variant_index", "variationId: variant"));
    try (Statement st = owner.createStatement()) {
      st.execute("INSERT INTO " + schema + ".assignments VALUES ('c1', now(), 'checkout', 1)");
    }
    JsonNode check = ok(server.admin("GET", "/api/v1/warehouse", null)).json();
    assertThat(check.path("ok").asBoolean()).isFalse();
    assertThat(check.path("dialect").asText()).isEqualTo("postgresql");
    JsonNode exposures = check.at("/sources/0");
    assertThat(exposures.path("table").asText()).isEqualTo(schema + ".assignments");
    assertThat(exposures.path("problems").toString()).contains("columns.variationId").contains("'variant'");
    assertThat(exposures.at("/sample/0/user_id").asText()).isEqualTo("c1");
    assertThat(exposures.at("/sample/0/variant_index").isIntegralNumber()).as(exposures.toString()).isTrue();
    assertThat(exposures.at("/sample/0/variant_index").asLong()).isEqualTo(1);
    assertThat(exposures.at("/mapping/variationId").asText()).isEqualTo("variant");
    assertThat(exposures.at("/mapping/unitId").asText()).isEqualTo("user_id");
    assertThat(check.path("engine").asText()).startsWith("PostgreSQL ");
    JsonNode metrics = check.at("/sources/1");
    assertThat(metrics.path("query").asText()).startsWith("SELECT customer AS user_id");
    assertThat(metrics.path("ok").asBoolean()).as(metrics.toString()).isTrue();
    assertThat(metrics.path("columns").toString()).contains("\"total\"").contains("numeric");

    assertThat(server.call("GET", "/api/v1/warehouse", server.token("experimenter"), null).status()).isEqualTo(403);

    // The server reads as the reader role (credentials outside the URL): without its grant the
    // source is refused, with a reference to the log, without the database's text.
    try (Statement st = owner.createStatement()) {
      st.execute("REVOKE SELECT ON " + schema + ".orders FROM " + role);
    }
    JsonNode denied = ok(server.admin("GET", "/api/v1/warehouse", null)).json().at("/sources/1");
    assertThat(denied.path("ok").asBoolean()).isFalse();
    assertThat(denied.path("problems").toString()).contains("the metrics source was refused").doesNotContain("permission denied")
        .doesNotContain("orders");
  }

  @Test
  void warehouseCheck_aTimestampMappedAsMillis_isNamed() throws Exception {
    start(mapping().replace("timestampIsMillis: false", "timestampIsMillis: true"));
    JsonNode check = ok(server.admin("GET", "/api/v1/warehouse", null)).json();
    assertThat(check.at("/sources/0/problems").toString()).contains("columns.timestampIsMillis")
        .contains("timestampIsMillis: false");
  }

  private static void order(PreparedStatement o, String unit, long ts, String kind, double total) throws Exception {
    o.setString(1, unit);
    o.setLong(2, ts);
    o.setString(3, kind);
    o.setBigDecimal(4, java.math.BigDecimal.valueOf(total));
    o.addBatch();
  }

  private static TestServer.Response ok(TestServer.Response r) {
    assertThat(r.status()).as(r.body()).isBetween(200, 299);
    return r;
  }
}
