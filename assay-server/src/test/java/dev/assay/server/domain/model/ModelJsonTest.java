package dev.assay.server.domain.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.assay.server.domain.DomainException;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The one JSON↔record mapping: defaults once, enums by their lower-case names, strict and lenient reading. */
class ModelJsonTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String VARIANTS = "\"variants\":[{\"key\":\"a\",\"weight\":0.5},{\"key\":\"b\",\"weight\":0.5}]";

  private static JsonNode json(String text) throws Exception {
    return JSON.readTree(text);
  }

  @Test
  void create_minimalExperiment_getsEveryDefaultOnce() throws Exception {
    Experiment e = ModelJson.create(Experiment.class, json("{\"key\":\"x\"," + VARIANTS + "}"));
    assertThat(e.type()).isEqualTo(ExperimentType.AB);
    assertThat(e.status()).isEqualTo(ExperimentStatus.DRAFT);
    assertThat(e.hashAttribute()).isEqualTo("id");
    assertThat(e.coverage()).isEqualTo(1.0);
    assertThat(e.analysis().alpha()).isEqualTo(Analysis.DEFAULT_ALPHA).isEqualTo(0.05);
    assertThat(e.analysis().correction()).isEqualTo(Correction.BENJAMINI_HOCHBERG);
    assertThat(e.analysis().autoHalt()).isTrue();
    assertThat(e.layer()).isEmpty();
    assertThat(e.phases()).isEmpty();
    assertThat(e.decision()).isEmpty();
    assertThat(e.metrics().primary()).isEmpty();
  }

  @Test
  void toTree_writesEnumsInLowerCaseAndLeavesAbsentHaltAndKillOut() throws Exception {
    Experiment e = ModelJson.create(Experiment.class, json("{\"key\":\"x\",\"analysis\":{\"correction\":\"holm\"},"
        + VARIANTS + "}"));
    JsonNode doc = ModelJson.toTree(e);
    assertThat(doc.path("status").asText()).isEqualTo("draft");
    assertThat(doc.path("type").asText()).isEqualTo("ab");
    assertThat(doc.at("/analysis/correction").asText()).isEqualTo("holm");
    assertThat(doc.has("halted")).isFalse();
    assertThat(doc.has("killed")).isFalse();
    assertThat(doc.path("decision").isNull()).as("an absent decision is stored as null, as before").isTrue();
    assertThat(ModelJson.fromStored(Experiment.class, doc.toString())).isEqualTo(e);
  }

  @ParameterizedTest(name = "{1}")
  @CsvSource(delimiter = '|', value = {
      "{\"key\":\"x\",\"type\":\"abn\",VARIANTS}|type|must be one of [ab, aa, multivariate, bandit, holdout, switchback], was",
      "{\"key\":\"x\",\"metrics\":{\"guardrails\":[{\"metric\":\"m\",\"direction\":\"up\"}]},VARIANTS}"
          + "|metrics.guardrails[0].direction|must be one of [increase, decrease], was",
      "{\"key\":\"x\",\"analysis\":{\"engine\":\"magic\"},VARIANTS}|analysis.engine|must be one of [frequentist, bayesian]",
      "{\"key\":\"x\",\"status\":\"running\",VARIANTS}|status|is set by the server"})
  void create_badValue_namesTheFieldPath(String body, String field, String message) {
    assertThatThrownBy(() -> ModelJson.create(Experiment.class, json(body.replace("VARIANTS", VARIANTS))))
        .isInstanceOfSatisfying(DomainException.class, d -> {
          assertThat(d.details().get(0).field()).isEqualTo(field);
          assertThat(d.details().get(0).message()).contains(message);
        });
  }

  @Test
  void storedDocuments_areReadLenientlyButClientDocumentsStrictly() throws Exception {
    String doc = "{\"key\":\"m\",\"type\":\"mean\",\"event\":\"buy\",\"addedByANewerServer\":1}";
    Metric m = ModelJson.fromStored(Metric.class, doc);
    assertThat(m.conversionWindowHours()).isEqualTo(Metric.DEFAULT_CONVERSION_WINDOW_HOURS);
    assertThat(m.direction()).isEqualTo(Direction.INCREASE);
    assertThatThrownBy(() -> ModelJson.create(Metric.class, json(doc)))
        .isInstanceOfSatisfying(DomainException.class,
            d -> assertThat(d.details().get(0).field()).isEqualTo("addedByANewerServer"));
  }

  @Test
  void storedShipDecisionWithoutAudience_keepsShippingToEveryone() throws Exception {
    String old = "{\"key\":\"x\",\"status\":\"concluded\",\"decision\":{\"outcome\":\"ship\",\"variant\":\"b\"},"
        + VARIANTS + "}";
    assertThat(ModelJson.fromStored(Experiment.class, old).decision().flatMap(Decision::audience))
        .contains(Audience.EVERYONE);
    Decision fresh = ModelJson.action("conclude", true,
        json("{\"decision\":{\"outcome\":\"ship\",\"variant\":\"b\"}}")).orElseThrow();
    assertThat(fresh.audience()).as("a new ship decision defaults to the experiment's audience")
        .contains(Audience.EXPERIMENT);
  }

  @Test
  void view_isTheStoredDocumentWithIdentityAndReadsBack() throws Exception {
    Flag f = ModelJson.create(Flag.class, json("{\"key\":\"f\",\"type\":\"boolean\",\"defaultValue\":false}"));
    var stored = new dev.assay.server.store.StoredEntity(dev.assay.server.store.Kind.FLAG, "p", "f", 3,
        ModelJson.toTree(f).toString(), java.time.Instant.parse("2026-01-01T00:00:00Z"),
        java.time.Instant.parse("2026-01-02T00:00:00Z"));
    JsonNode view = ModelJson.view(stored);
    assertThat(view.path("version").asLong()).isEqualTo(3);
    assertThat(view.path("project").asText()).isEqualTo("p");
    Versioned<Flag> back = ModelJson.versionedView(Flag.class, view);
    assertThat(back.value()).isEqualTo(f);
    assertThat(back.version()).isEqualTo(3);
    assertThat(back.updatedAt()).isEqualTo(java.time.Instant.parse("2026-01-02T00:00:00Z"));
    assertThat(back.value().killed()).isEqualTo(Optional.empty());
  }
}
