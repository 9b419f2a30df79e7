package dev.assay.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ManagementApiTest {
  private TestServer t;

  @BeforeAll
  void start() {
    t = new TestServer();
    assertThat(t.admin("POST", "/api/v1/metrics",
        "{\"key\":\"conv\",\"type\":\"proportion\",\"event\":\"purchase\"}").status()).isEqualTo(201);
    assertThat(t.admin("POST", "/api/v1/layers", "{\"key\":\"L\"}").status()).isEqualTo(201);
  }

  @AfterAll
  void stop() {
    t.close();
  }

  private static String experiment(String key, double start, double end) {
    return "{\"key\":\"" + key + "\",\"variants\":[{\"key\":\"a\",\"weight\":0.5},{\"key\":\"b\",\"weight\":0.5}],"
        + "\"layer\":\"L\",\"range\":{\"start\":" + start + ",\"end\":" + end + "},\"metrics\":{\"primary\":\"conv\"}}";
  }

  @Test
  void flags_createGetUpdateDelete_roundTripsWithVersions() {
    var created = t.admin("POST", "/api/v1/flags",
        "{\"key\":\"f1\",\"type\":\"boolean\",\"defaultValue\":false,\"environments\":{\"production\":{\"rules\":[{\"value\":true,\"coverage\":0.5}]}}}");
    assertThat(created.status()).as(created.body()).isEqualTo(201);
    assertThat(created.json().get("version").asLong()).isEqualTo(1);

    JsonNode got = t.admin("GET", "/api/v1/flags/f1", null).json();
    assertThat(got.path("environments").path("production").path("rules").get(0).path("coverage").asDouble()).isEqualTo(0.5);

    var updated = t.admin("PUT", "/api/v1/flags/f1",
        "{\"version\":1,\"type\":\"boolean\",\"defaultValue\":true}");
    assertThat(updated.status()).as(updated.body()).isEqualTo(200);
    assertThat(updated.json().get("version").asLong()).isEqualTo(2);

    var stale = t.admin("PUT", "/api/v1/flags/f1", "{\"version\":1,\"type\":\"boolean\",\"defaultValue\":false}");
    assertThat(stale.status()).isEqualTo(409);
    assertThat(stale.json().path("error").path("code").asText()).isEqualTo("version_conflict");
    assertThat(t.admin("GET", "/api/v1/flags/f1", null).json().get("defaultValue").asBoolean()).isTrue();

    assertThat(t.admin("DELETE", "/api/v1/flags/f1?version=1", null).status()).isEqualTo(409);
    assertThat(t.admin("DELETE", "/api/v1/flags/f1?version=2", null).status()).isEqualTo(204);
    assertThat(t.admin("GET", "/api/v1/flags/f1", null).status()).isEqualTo(404);
  }

  @Test
  void flags_ruleValueOfWrongType_namesTheField() {
    var r = t.admin("POST", "/api/v1/flags",
        "{\"key\":\"f2\",\"type\":\"boolean\",\"defaultValue\":false,\"environments\":{\"production\":{\"rules\":[{\"value\":\"yes\"}]}}}");
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.json().path("error").path("details").get(0).path("field").asText())
        .isEqualTo("environments.production.rules[0].value");
  }

  @Test
  void experiments_weightsNotSummingToOne_400NamesVariants() {
    var r = t.admin("POST", "/api/v1/experiments",
        "{\"key\":\"w\",\"variants\":[{\"key\":\"a\",\"weight\":0.5},{\"key\":\"b\",\"weight\":0.7}]}");
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.json().path("error").path("message").asText()).contains("variants").contains("sum to 1.2");
  }

  @Test
  void experiments_duplicateVariantKeys_400NamesIndex() {
    var r = t.admin("POST", "/api/v1/experiments",
        "{\"key\":\"d\",\"variants\":[{\"key\":\"a\",\"weight\":0.5},{\"key\":\"a\",\"weight\":0.5}]}");
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.json().path("error").path("details").get(0).path("field").asText()).isEqualTo("variants[1].key");
  }

  @Test
  void experiments_unknownMetricOrSegment_422NamesField() {
    var r = t.admin("POST", "/api/v1/experiments",
        "{\"key\":\"m\",\"variants\":[{\"key\":\"a\",\"weight\":0.5},{\"key\":\"b\",\"weight\":0.5}],\"metrics\":{\"secondary\":[\"conv\",\"nope\"]}}");
    assertThat(r.status()).isEqualTo(422);
    assertThat(r.json().path("error").path("details").get(0).path("field").asText()).isEqualTo("metrics.secondary[1]");
    var s = t.admin("POST", "/api/v1/experiments",
        "{\"key\":\"s\",\"condition\":{\"id\":{\"$inGroup\":\"ghosts\"}},\"variants\":[{\"key\":\"a\",\"weight\":0.5},{\"key\":\"b\",\"weight\":0.5}]}");
    assertThat(s.status()).as(s.body()).isEqualTo(422);
  }

  @Test
  void experiments_conditionWithUnknownOperatorOrBadRegex_400() {
    var r = t.admin("POST", "/api/v1/experiments",
        "{\"key\":\"c\",\"condition\":{\"country\":{\"$within\":[1]}},\"variants\":[{\"key\":\"a\",\"weight\":0.5},{\"key\":\"b\",\"weight\":0.5}]}");
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.json().path("error").path("details").get(0).path("field").asText()).isEqualTo("condition.country.$within");
    var re = t.admin("POST", "/api/v1/experiments",
        "{\"key\":\"c\",\"condition\":{\"email\":{\"$regex\":\"(\"}},\"variants\":[{\"key\":\"a\",\"weight\":0.5},{\"key\":\"b\",\"weight\":0.5}]}");
    assertThat(re.status()).isEqualTo(400);
    assertThat(re.json().at("/error/details/0/field").asText()).isEqualTo("condition.email.$regex");
  }

  @Test
  void conditions_everyOperatorTheSdkEvaluates_accepted() {
    // $ini, $nini, $regexi and $alli were missing from a second operator list the server kept.
    var r = t.admin("POST", "/api/v1/experiments", "{\"key\":\"ci\",\"condition\":{\"country\":{\"$ini\":[\"nl\"]},"
        + "\"email\":{\"$regexi\":\"@EXAMPLE\\\\.com$\"},\"tags\":{\"$alli\":[\"A\"]},\"plan\":{\"$nini\":[\"free\"]}},"
        + "\"variants\":[{\"key\":\"a\",\"weight\":0.5},{\"key\":\"b\",\"weight\":0.5}]}");
    assertThat(r.status()).as(r.body()).isEqualTo(201);
    var flag = t.admin("POST", "/api/v1/flags", "{\"key\":\"fi\",\"type\":\"boolean\",\"defaultValue\":false,"
        + "\"environments\":{\"production\":{\"rules\":[{\"condition\":{\"country\":{\"$ini\":[\"nl\"]}},\"value\":true}]}}}");
    assertThat(flag.status()).as(flag.body()).isEqualTo(201);
  }

  @Test
  void lifecycle_fullPath_andIllegalTransitionsListAllowed() {
    assertThat(t.admin("POST", "/api/v1/experiments", experiment("life", 0.9, 1.0)).status()).isEqualTo(201);
    var pause = t.admin("POST", "/api/v1/experiments/life/pause", null);
    assertThat(pause.status()).isEqualTo(409);
    assertThat(pause.json().path("error").path("message").asText()).contains("draft").contains("start").contains("archive");

    var started = t.admin("POST", "/api/v1/experiments/life/start", null);
    assertThat(started.status()).as(started.body()).isEqualTo(200);
    assertThat(started.json().path("status").asText()).isEqualTo("running");
    assertThat(started.json().path("phases").size()).isEqualTo(1);
    assertThat(t.admin("POST", "/api/v1/experiments/life/pause", null).json().path("status").asText()).isEqualTo("paused");
    assertThat(t.admin("POST", "/api/v1/experiments/life/start", null).json().path("phases").size()).isEqualTo(1);
    assertThat(t.admin("POST", "/api/v1/experiments/life/stop", null).status()).isEqualTo(200);

    var noDecision = t.admin("POST", "/api/v1/experiments/life/conclude", "{}");
    assertThat(noDecision.status()).isEqualTo(400);
    assertThat(noDecision.json().path("error").path("details").get(0).path("field").asText()).isEqualTo("decision");
    var badVariant = t.admin("POST", "/api/v1/experiments/life/conclude",
        "{\"decision\":{\"outcome\":\"ship\",\"variant\":\"zzz\"}}");
    assertThat(badVariant.status()).isEqualTo(400);
    var concluded = t.admin("POST", "/api/v1/experiments/life/conclude",
        "{\"decision\":{\"outcome\":\"ship\",\"variant\":\"b\",\"writeUp\":\"b wins\"}}");
    assertThat(concluded.status()).as(concluded.body()).isEqualTo(200);
    assertThat(concluded.json().path("decision").path("variant").asText()).isEqualTo("b");
    assertThat(t.admin("POST", "/api/v1/experiments/life/start", null).status()).isEqualTo(409);
    assertThat(t.admin("POST", "/api/v1/experiments/life/archive", null).json().path("status").asText()).isEqualTo("archived");
  }

  @Test
  void start_overlappingLayerRangeOfRunningExperiment_409() {
    assertThat(t.admin("POST", "/api/v1/experiments", experiment("x1", 0.0, 0.4)).status()).isEqualTo(201);
    assertThat(t.admin("POST", "/api/v1/experiments", experiment("x2", 0.3, 0.6)).status()).isEqualTo(201);
    assertThat(t.admin("POST", "/api/v1/experiments", experiment("x3", 0.4, 0.6)).status()).isEqualTo(201);
    assertThat(t.admin("POST", "/api/v1/experiments/x1/start", null).status()).isEqualTo(200);
    var overlap = t.admin("POST", "/api/v1/experiments/x2/start", null);
    assertThat(overlap.status()).isEqualTo(409);
    assertThat(overlap.json().path("error").path("message").asText()).contains("x1");
    assertThat(t.admin("POST", "/api/v1/experiments/x3/start", null).status()).isEqualTo(200);
  }

  @Test
  void put_runningExperimentVariants_requiresNewPhaseWhichReseeds() {
    assertThat(t.admin("POST", "/api/v1/experiments", experiment("ph", 0.7, 0.8)).status()).isEqualTo(201);
    JsonNode running = t.admin("POST", "/api/v1/experiments/ph/start", null).json();
    String changed = experiment("ph", 0.7, 0.8).replace("0.5},{\"key\":\"b\",\"weight\":0.5", "0.2},{\"key\":\"b\",\"weight\":0.8");
    String withVersion = changed.replaceFirst("\\{", "{\"version\":" + running.get("version").asLong() + ",");
    var refused = t.admin("PUT", "/api/v1/experiments/ph", withVersion);
    assertThat(refused.status()).isEqualTo(409);
    assertThat(refused.json().path("error").path("code").asText()).isEqualTo("phase_required");
    var accepted = t.admin("PUT", "/api/v1/experiments/ph?newPhase=true", withVersion);
    assertThat(accepted.status()).as(accepted.body()).isEqualTo(200);
    JsonNode phases = accepted.json().path("phases");
    assertThat(phases.size()).isEqualTo(2);
    assertThat(phases.get(1).path("seed").asText()).isNotEqualTo(phases.get(0).path("seed").asText());
  }

  @Test
  void apiKeys_createdTokenWorksUntilRevoked() {
    var created = t.admin("POST", "/api/v1/api-keys", "{\"name\":\"ci\",\"role\":\"viewer\"}");
    String token = created.json().get("token").asText();
    String id = created.json().get("id").asText();
    assertThat(t.call("GET", "/api/v1/flags", token, null).status()).isEqualTo(200);
    assertThat(t.admin("GET", "/api/v1/api-keys", null).body()).doesNotContain(token);
    assertThat(t.admin("DELETE", "/api/v1/api-keys/" + id, null).status()).isEqualTo(204);
    assertThat(t.call("GET", "/api/v1/flags", token, null).status()).isEqualTo(401);
  }

  @Test
  void audit_recordsChangesAndFilters() {
    t.admin("POST", "/api/v1/segments", "{\"key\":\"aud\",\"condition\":{\"country\":\"NZ\"}}");
    JsonNode entries = t.admin("GET", "/api/v1/audit?kind=segment&key=aud", null).json().path("items");
    assertThat(entries.size()).isEqualTo(1);
    assertThat(entries.get(0).path("action").asText()).isEqualTo("create");
    assertThat(entries.get(0).path("actor").asText()).contains("bootstrap-admin");
    assertThat(entries.get(0).path("after").path("condition").path("country").asText()).isEqualTo("NZ");
    var export = t.send("GET", "/api/v1/audit/export", TestServer.ADMIN_TOKEN, null, null);
    assertThat(export.headers().firstValue("content-type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/x-ndjson"));
    assertThat(export.body().lines().count()).isGreaterThan(3);
    assertThat(t.admin("GET", "/api/v1/audit/verify", null).json().path("intact").asBoolean()).isTrue();
  }

  @Test
  void experiments_plannedUnits_storedAndMustBePositive() {
    var bad = t.admin("POST", "/api/v1/experiments", "{\"key\":\"pu0\",\"plannedUnits\":0,"
        + "\"variants\":[{\"key\":\"a\",\"weight\":0.5},{\"key\":\"b\",\"weight\":0.5}]}");
    var good = t.admin("POST", "/api/v1/experiments", "{\"key\":\"pu1\",\"plannedUnits\":20000,"
        + "\"variants\":[{\"key\":\"a\",\"weight\":0.5},{\"key\":\"b\",\"weight\":0.5}]}");

    assertThat(bad.status()).isEqualTo(400);
    assertThat(bad.json().at("/error/details/0/field").asText()).isEqualTo("plannedUnits");
    assertThat(good.status()).as(good.body()).isEqualTo(201);
    assertThat(t.admin("GET", "/api/v1/experiments/pu1", null).json().get("plannedUnits").asLong()).isEqualTo(20000);
  }

  @Test
  void probesMetricsAndOpenApi_areServed() {
    assertThat(t.call("GET", "/health/live", null, null).status()).isEqualTo(200);
    TestServer.Response ready = t.call("GET", "/health/ready", null, null);
    assertThat(ready.status()).isEqualTo(200);
    assertThat(ready.json().at("/checks/store").asText()).isEqualTo("UP");
    assertThat(ready.json().at("/checks").has("eventConsumer")).as("no Kafka consumer without Kafka mode").isFalse();
    t.admin("GET", "/api/v1/flags", null);
    assertThat(t.call("GET", "/metrics", null, null).body()).contains("assay_http_requests_seconds_bucket");
    JsonNode doc = t.call("GET", "/api/v1/openapi.json", null, null).json();
    assertThat(doc.path("paths").has("/api/v1/experiments/{key}/conclude")).isTrue();
  }
}
