package dev.assay.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/** Every option is validated once, by the record, and a bad one is named in the failure. */
class ServerConfigTest {

  static Stream<Arguments> badOptions() {
    return Stream.of(
        bad("port", b -> b.port(70_000), "0 and 65535"),
        bad("databaseUrl", b -> b.databaseUrl("postgres://x"), "jdbc:"),
        bad("adminToken", b -> b.adminToken("short"), "16 characters"),
        bad("warehouseUrl", b -> b.warehouseUrl("/tmp/w.duckdb"), "JDBC URL"),
        bad("refreshInterval", b -> b.refreshInterval(Duration.ZERO), "positive"),
        bad("webhookUrl", b -> b.webhookUrl("ftp://hooks.example.com/x"), "http or https"),
        bad("webhookUrl", b -> b.webhookUrl("http://exa mple.com"), "not a URL"),
        bad("analysisQueryTimeout", b -> b.analysisQueryTimeout(Duration.ofMillis(500)), "at least 1 s"),
        bad("analysisMemory", b -> b.analysisMemory("lots"), "256MB"),
        bad("analysisConcurrency", b -> b.analysisConcurrency(1, 2), "per project"),
        bad("sseHeartbeat", b -> b.sseHeartbeat(Duration.ofSeconds(-1)), "positive"),
        bad("ofrepRateLimit", b -> b.ofrepRateLimit(0, 10), "requestsPerSecond"),
        bad("auditKey", b -> b.auditKey("too-short"), "32 characters"),
        bad("auditCheckpointInterval", b -> b.auditCheckpointInterval(Duration.ZERO), "positive"),
        bad("eventHmacKey", b -> b.eventHmacKey("short"), "16 characters"),
        bad("eventAttributeAllowList", b -> b.eventAttributeAllowList(Set.of("country", " ")), "empty"),
        bad("eventRetentionDays", b -> b.eventRetentionDays(0), "at least 1"),
        bad("eventRetentionInterval", b -> b.eventRetentionInterval(Duration.ZERO), "positive"),
        bad("eventDedupWindow", b -> b.eventDedupWindow(1), "2 to"),
        bad("kafkaBootstrapServers", b -> b.kafka("localhost"), "host:port"),
        bad("kafkaTopic", b -> b.kafkaTopic("a b"), "letters, digits"),
        bad("otelEndpoint", b -> b.otelEndpoint("collector:4318"), "http or https"),
        bad("otelEndpoint", b -> b.otelEndpoint("http://exa mple:4318"), "not a URL"),
        bad("otelServiceName", b -> b.otelServiceName(" "), "must not be empty"));
  }

  private static Arguments bad(String option, UnaryOperator<ServerConfig.Builder> set, String reason) {
    return Arguments.of(option, set, reason);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badOptions")
  void build_badOption_failsNamingTheOption(String option, UnaryOperator<ServerConfig.Builder> set, String reason) {
    ServerConfig.Builder builder = set.apply(ServerConfig.builder());
    assertThatThrownBy(builder::build).isInstanceOfSatisfying(InvalidOption.class, e -> {
      assertThat(e.option()).isEqualTo(option);
      assertThat(e.getMessage()).startsWith(option + ": ");
      assertThat(e.reason()).contains(reason);
    });
  }

  @Test
  void build_defaults_areThoseOfAssayServe() {
    ServerConfig c = ServerConfig.builder().build();
    assertThat(c.port()).isEqualTo(8080);
    assertThat(c.host()).isEqualTo("0.0.0.0");
    assertThat(c.refreshInterval()).isEqualTo(Duration.ofHours(1));
    assertThat(c.events().kafkaMode()).isFalse();
    assertThat(c.events().kafkaTopic()).isEqualTo("assay-events");
    assertThat(c.analysisLimits().concurrent()).isEqualTo(2);
  }

  @Test
  void build_normalisesTheAnalysisMemory_andCopiesTheAllowList() {
    java.util.Set<String> names = new java.util.HashSet<>(Set.of("country"));
    ServerConfig c = ServerConfig.builder().analysisMemory(" 1gib ").eventAttributeAllowList(names).build();
    names.add("plan");
    assertThat(c.events().attributeAllowList()).contains(Set.of("country"));
    assertThat(c.analysisMemory()).isEqualTo("1GiB");
  }
}
