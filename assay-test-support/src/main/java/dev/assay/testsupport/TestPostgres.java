package dev.assay.testsupport;

import java.util.Locale;
import java.util.UUID;

/** Where the PostgreSQL tests connect: {@code ASSAY_TEST_POSTGRES_URL} or the local trusted server. */
public final class TestPostgres {
  public static final String DEFAULT_URL = "jdbc:postgresql://127.0.0.1:5432/test?user=postgres";

  private TestPostgres() {}

  public static String url() {
    String env = System.getenv("ASSAY_TEST_POSTGRES_URL");
    return env == null || env.isBlank() ? DEFAULT_URL : env;
  }

  /** A schema name no other test run uses. */
  public static String freshSchema() {
    return "assay_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16)
        .toLowerCase(Locale.ROOT);
  }

  /** {@link #url()} with {@code currentSchema} set, for a server or store confined to one schema. */
  public static String urlWithSchema(String schema) {
    String url = url();
    return url + (url.contains("?") ? "&" : "?") + "currentSchema=" + schema;
  }
}
