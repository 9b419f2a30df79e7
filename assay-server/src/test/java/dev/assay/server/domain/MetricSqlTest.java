package dev.assay.server.domain;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The parse-based rule for metric SQL: what passes and what is refused, and why. */
class MetricSqlTest {

  @Test
  void problem_plainSelectsJoinsCtesAndUnions_pass() {
    assertThat(MetricSql.problem("SELECT unit_id, ts, value FROM metric_events WHERE name = 'x'")).isEmpty();
    assertThat(MetricSql.problem("WITH a AS (SELECT unit_id, ts, value FROM metric_events) SELECT * FROM a"
        + " UNION ALL SELECT e.unit_id, e.ts, CAST(x.range AS DOUBLE) FROM exposures e JOIN range(3) x ON true")).isEmpty();
    assertThat(MetricSql.problem("SELECT user_id AS unit_id, refunded_at AS timestamp, amount::numeric AS value"
        + " FROM refunds WHERE amount ILIKE '%1%'")).isEmpty();
  }

  @Test
  void problem_fileFunctionsInAnyPosition_namedWithoutQuotingTheSql() {
    assertThat(MetricSql.problem("SELECT * FROM metric_events WHERE unit_id IN (SELECT content FROM read_text('/etc/passwd'))"))
        .hasValueSatisfying(p -> assertThat(p).contains("read_text").doesNotContain("passwd"));
    assertThat(MetricSql.problem("SELECT pg_read_file('/etc/passwd') AS unit_id")).hasValueSatisfying(p ->
        assertThat(p).contains("pg_read_file"));
    assertThat(MetricSql.problem("SELECT * FROM '/etc/passwd'")).hasValueSatisfying(p -> assertThat(p)
        .contains("plain name").doesNotContain("passwd"));
    assertThat(MetricSql.problem("SELECT * FROM generate_series(1, 3), glob('/*')")).hasValueSatisfying(p ->
        assertThat(p).contains("glob"));
  }

  @Test
  void problem_otherStatementsAndSeveral_refused() {
    assertThat(MetricSql.problem("SELECT 1; SELECT 2")).hasValueSatisfying(p -> assertThat(p).contains("2 statements"));
    assertThat(MetricSql.problem("COPY metric_events TO '/tmp/x.csv'")).hasValueSatisfying(p -> assertThat(p)
        .contains("other than SELECT"));
    assertThat(MetricSql.problem("SELEC 1")).isPresent();
  }
}
