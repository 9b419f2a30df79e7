package dev.assay.server.safety;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.assay.server.alerts.AlertType;
import dev.assay.server.alerts.Alerts;
import dev.assay.server.audit.AuditAnchor;
import dev.assay.server.audit.AuditKey;
import dev.assay.server.audit.AuditLog;
import dev.assay.server.domain.ConfigService;
import dev.assay.server.events.DuckDbEventStore;
import dev.assay.server.events.Event;
import dev.assay.server.store.JdbcConfigStore;
import dev.assay.server.store.Kind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The exposure watch over a real embedded config store and a real DuckDB event store: an
 * experiment's steady hourly exposures, then an hour that drops to a tenth, raise one
 * experiment.exposure_anomaly; a steady hour and a phase too young raise nothing.
 */
class ExposureWatchTest {
  private static final String P = ConfigService.DEFAULT_PROJECT;
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long HOUR = Duration.ofHours(1).toMillis();
  private final CircuitBreakersTest.SimClock clock = new CircuitBreakersTest.SimClock();
  private final List<ObjectNode> raised = new CopyOnWriteArrayList<>();
  private final Alerts alerts = new Alerts() {
    @Override
    public void emit(String project, AlertType type, String summary, ObjectNode payload) {
      raised.add(payload.put("type", type.wire()));
    }
  };
  private JdbcConfigStore store;
  private DuckDbEventStore events;
  private ConfigService config;
  private ExposureWatch watch;

  @BeforeEach
  void open() throws Exception {
    Path dir = Files.createTempDirectory("assay-exposure-watch-test-");
    store = JdbcConfigStore.embedded(dir);
    events = DuckDbEventStore.open(dir);
    AuditKey key = AuditKey.load(Optional.empty(), dir);
    config = new ConfigService(store, new AuditLog(clock, key, AuditAnchor.open(dir.resolve("audit-anchor.log"), key)),
        clock, new SecureRandom());
    config.ensureDefaultProject();
    config.create(Kind.EXPERIMENT, P, JSON.readTree("""
        {"key":"checkout","variants":[{"key":"control","weight":0.5,"value":"a"},{"key":"treatment","weight":0.5,"value":"b"}]}"""),
        "test");
    config.transition(P, "checkout", ConfigService.Action.START, JSON.createObjectNode(), "test");
    watch = new ExposureWatch(config, events, alerts, clock, Duration.ofDays(1));
  }

  @AfterEach
  void close() {
    watch.close();
    events.close();
    store.close();
  }

  private void hour(long start, int exposures) throws Exception {
    List<Event> batch = new ArrayList<>();
    for (int i = 0; i < exposures; i++) {
      batch.add(new Event("e-" + start + "-" + i, Event.Type.EXPOSURE, start + i * (HOUR / Math.max(1, exposures)),
          "u" + i, "id", "checkout", i % 2, null, null, "{}"));
    }
    events.append(batch).get();
  }

  @Test
  void dropAfterSteadyHours_raisedOnce() throws Exception {
    long phaseStart = clock.millis();
    long first = Math.ceilDiv(phaseStart, HOUR) * HOUR;
    for (int h = 0; h < 14; h++) {
      hour(first + h * HOUR, 400 + (h % 3) * 10);
    }
    long steadyEnd = first + 14 * HOUR;
    clock.millis.set(steadyEnd + 1000);
    watch.judge(steadyEnd);
    assertThat(raised).as("13 steady hours then a steady one").isEmpty();

    hour(steadyEnd, 40);
    long dropEnd = steadyEnd + HOUR;
    clock.millis.set(dropEnd + 1000);
    watch.judge(dropEnd);
    assertThat(raised).hasSize(1);
    ObjectNode a = raised.get(0);
    assertThat(a.path("type").asText()).isEqualTo("experiment.exposure_anomaly");
    assertThat(a.path("kind").asText()).isEqualTo("drop");
    assertThat(a.path("exposures").asLong()).isEqualTo(40);
    assertThat(a.path("median").asDouble()).isEqualTo(410);
    assertThat(a.path("historyHours").asInt()).isEqualTo(14);
  }

  @Test
  void youngPhase_isNotJudged() throws Exception {
    long first = (Math.floorDiv(clock.millis(), HOUR) + 1) * HOUR;
    for (int h = 0; h < 5; h++) {
      hour(first + h * HOUR, 400);
    }
    hour(first + 5 * HOUR, 0);
    watch.judge(first + 6 * HOUR);
    assertThat(raised).isEmpty();
  }
}
