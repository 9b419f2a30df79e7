package dev.assay.server.analysis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The warehouse mapping file: what it maps to, and each malformed field named. */
class WarehouseMappingTest {
  @TempDir
  Path dir;

  private WarehouseSchema read(String yaml) throws Exception {
    return WarehouseMapping.read(Files.writeString(dir.resolve("w.yaml"), yaml));
  }

  private void invalid(String yaml, String field, String message) {
    assertThatThrownBy(() -> read(yaml)).isInstanceOf(WarehouseMapping.Invalid.class)
        .hasMessageStartingWith(field + ":").hasMessageContaining(message)
        .satisfies(e -> assertThat(((WarehouseMapping.Invalid) e).field()).isEqualTo(field));
  }

  @Test
  void tablesAndColumns_mapToTheSchema_unnamedOptionalColumnsAbsent() throws Exception {
    WarehouseSchema s = read("""
        exposures: analytics.assignments
        metrics: analytics.events
        columns: {unitId: user_id, timestamp: at, timestampIsMillis: false, value: amount}
        """);
    assertThat(s.exposures()).isEqualTo("analytics.assignments");
    assertThat(s.unitId()).isEqualTo("user_id");
    assertThat(s.timestampIsMillis()).isFalse();
    assertThat(s.value()).isEqualTo("amount");
    assertThat(s.experimentKey()).as("Assay's name where none is given").isEqualTo("experiment_key");
    assertThat(s.attributes()).isNull();
    assertThat(s.project()).isNull();
    assertThat(s.flag()).isNull();
    assertThat(s.exposuresFrom(Dialect.POSTGRESQL)).isEqualTo("\"analytics\".\"assignments\"");
  }

  @Test
  void aQuerySource_isADerivedTable() throws Exception {
    WarehouseSchema s = read("exposures: t\nmetrics: |\n  select u AS unit_id, ts, name, value from x\n");
    assertThat(s.metricsFrom(Dialect.POSTGRESQL)).isEqualTo("(select u AS unit_id, ts, name, value from x) metric_events_source");
    assertThat(s.metricsAs(Dialect.POSTGRESQL, "m")).isEqualTo("(select u AS unit_id, ts, name, value from x) m");
    assertThat(s.timestampIsMillis()).isTrue();
  }

  @Test
  void malformed_namesTheField() {
    invalid("metrics: e\n", "exposures", "table name");
    invalid("exposures: e\nmetrics: \"drop table x\"\n", "metrics", "plain SQL identifier");
    invalid("exposures: e\nmetrics: SELECT 1; DROP TABLE x\n", "metrics", "one statement");
    invalid("exposures: e\nmetrics: m\ncolumns: {unitId: \"a b\"}\n", "columns.unitId", "plain SQL identifier");
    invalid("exposures: e\nmetrics: m\ncolumns: {unitId: t.a}\n", "columns.unitId", "without a table");
    invalid("exposures: e\nmetrics: m\ncolumns: {unitId: 3}\n", "columns.unitId", "column name");
    invalid("exposures: e\nmetrics: m\ncolumns: {timestampIsMillis: yes please}\n", "columns.timestampIsMillis", "true");
    invalid("exposures: e\nmetrics: m\ncolumns: {userId: u}\n", "columns.userId", "is not a field");
    invalid("exposures: e\nmetrics: m\ntables: {}\n", "tables", "is not a field");
    invalid("- a\n- b\n", "file", "a mapping");
    invalid("exposures: [unclosed\n", "file", "not YAML");
  }
}
