package dev.assay.server.api;

import static dev.assay.server.api.AsCodeApiTest.body;
import static dev.assay.server.api.AsCodeApiTest.examples;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Updates, prune, phases, permissions and every kind of bad submission of {@code /as-code}. */
class AsCodeChangesTest {
  private final TestServer t = new TestServer();

  @AfterEach
  void stop() {
    t.close();
  }

  private static List<String[]> withExperiment(String yaml) {
    List<String[]> files = new ArrayList<>(examples().stream().filter(f -> !f[0].startsWith("checkout")).toList());
    files.add(new String[] {"checkout-progress-bar.yaml", yaml});
    return files;
  }

  private static String article() {
    return examples().stream().filter(f -> f[0].startsWith("checkout")).findFirst().orElseThrow()[1];
  }

  private JsonNode ok(String path, String body) {
    TestServer.Response r = t.admin("POST", path, body);
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    return r.json();
  }

  private JsonNode error(int status, String path, String body) {
    TestServer.Response r = t.admin("POST", path, body);
    assertThat(r.status()).as(r.body()).isEqualTo(status);
    return r.json().get("error");
  }

  private static JsonNode change(JsonNode plan, String key) {
    for (JsonNode c : plan.get("changes")) {
      if (c.get("key").asText().equals(key)) {
        return c;
      }
    }
    throw new AssertionError("no change for " + key + " in " + plan);
  }

  @Test
  void update_showsFieldLevelDiffInFileNames() {
    ok("/api/v1/as-code/apply", body(examples()));
    String changed = article().replace("allocation: 50%\n    config: { show_progress_bar: true }",
        "allocation: 50%\n    config: { show_progress_bar: \"yes\" }").replace("owner: \"payments-team\"", "owner: \"growth\"");
    JsonNode c = change(ok("/api/v1/as-code/plan", body(withExperiment(changed))), "checkout-progress-bar");
    assertThat(c.get("action").asText()).isEqualTo("update");
    assertThat(c.get("fields").toString()).isEqualTo("[{\"path\":\"owner\",\"before\":\"payments-team\",\"after\":\"growth\"},"
        + "{\"path\":\"variants[1].config\",\"before\":{\"show_progress_bar\":true},\"after\":{\"show_progress_bar\":\"yes\"}}]");
    ok("/api/v1/as-code/apply", body(withExperiment(changed)));
    assertThat(t.admin("GET", "/api/v1/experiments/checkout-progress-bar", null).json().get("owner").asText())
        .isEqualTo("growth");
  }

  @Test
  void prune_deletesWhatTheFilesDoNotDefine_lastAndReferrersFirst() {
    ok("/api/v1/as-code/apply", body(examples()));
    List<String[]> metricsOnly = examples().stream().filter(f -> f[0].equals("metrics.yaml")).toList();
    JsonNode plan = ok("/api/v1/as-code/plan?prune=true", body(metricsOnly));
    List<String> deletes = new ArrayList<>();
    plan.get("changes").forEach(c -> {
      if (c.get("action").asText().equals("delete")) {
        deletes.add(c.get("kind").asText() + ":" + c.get("key").asText());
      }
    });
    assertThat(deletes).containsExactly("experiment:checkout-progress-bar", "segment:all_logged_in",
        "environment:production");
    JsonNode withoutProduction = ok("/api/v1/as-code/plan", body(metricsOnly));
    assertThat(withoutProduction.get("summary").get("delete").asInt()).isZero();
    List<String[]> keepEnv = new ArrayList<>(metricsOnly);
    keepEnv.add(new String[] {"env.yaml", "kind: environment\nkey: production\nname: Production\n"});
    ok("/api/v1/as-code/apply?prune=true", body(keepEnv));
    assertThat(t.admin("GET", "/api/v1/experiments/checkout-progress-bar", null).status()).isEqualTo(404);
    assertThat(t.admin("GET", "/api/v1/segments/all_logged_in", null).status()).isEqualTo(404);
    assertThat(t.admin("GET", "/api/v1/metrics/p99_page_load_ms", null).status()).isEqualTo(200);
  }

  @Test
  void runningExperiment_allocationChange_needsNewPhase() {
    ok("/api/v1/as-code/apply", body(examples()));
    assertThat(t.admin("POST", "/api/v1/experiments/checkout-progress-bar/start", "{}").status()).isEqualTo(200);
    String shifted = article().replaceFirst("allocation: 50%", "allocation: 40%").replaceFirst("allocation: 50%",
        "allocation: 60%");
    JsonNode plan = ok("/api/v1/as-code/plan", body(withExperiment(shifted)));
    assertThat(change(plan, "checkout-progress-bar").get("newPhaseRequired").asBoolean()).isTrue();
    JsonNode e = error(422, "/api/v1/as-code/apply", body(withExperiment(shifted)));
    assertThat(e.get("code").asText()).isEqualTo("new_phase_required");
    assertThat(e.get("message").asText()).contains("--new-phase");
    JsonNode exp = t.admin("GET", "/api/v1/experiments/checkout-progress-bar", null).json();
    assertThat(exp.get("variants").get(0).get("weight").asDouble()).isEqualTo(0.5);
    ok("/api/v1/as-code/apply?new_phase=true", body(withExperiment(shifted)));
    exp = t.admin("GET", "/api/v1/experiments/checkout-progress-bar", null).json();
    assertThat(exp.get("variants").get(0).get("weight").asDouble()).isEqualTo(0.4);
    assertThat(exp.get("phases").size()).isEqualTo(2);
    assertThat(exp.get("status").asText()).isEqualTo("running");
    JsonNode again = ok("/api/v1/as-code/plan", body(withExperiment(shifted)));
    assertThat(change(again, "checkout-progress-bar").get("action").asText()).isEqualTo("unchanged");
  }

  @Test
  void malformedYaml_is400WithTheLine() {
    JsonNode e = error(400, "/api/v1/as-code/plan", body(withExperiment("name: x\nvariants:\n  - name: a\n   bad: [\n")));
    assertThat(e.get("code").asText()).isEqualTo("validation_failed");
    JsonNode d = e.get("details").get(0);
    assertThat(d.get("field").asText()).startsWith("checkout-progress-bar.yaml:");
    assertThat(d.get("message").asText()).contains("line 4");
  }

  @Test
  void unknownField_is400NamingItAndTheFile() {
    JsonNode e = error(400, "/api/v1/as-code/plan", body(withExperiment(article().replace("owner:", "ownr:"))));
    assertThat(e.get("details").toString()).contains("checkout-progress-bar.yaml:ownr").contains("unknown field 'ownr'");
  }

  @Test
  void wrongTypeAndBadAllocation_areNamed() {
    JsonNode e = error(400, "/api/v1/as-code/plan", body(withExperiment(article().replace("allocation: 50%", "allocation: 50")
        .replace("minimum_runtime_days: 7", "minimum_runtime_days: seven"))));
    String details = e.get("details").toString();
    assertThat(details).contains("checkout-progress-bar.yaml:duration.minimum_runtime_days");
    e = error(400, "/api/v1/as-code/plan", body(withExperiment(article().replaceFirst("allocation: 50%",
        "allocation: fifty"))));
    assertThat(e.get("details")).hasSize(1);
    assertThat(e.get("details").get(0).get("field").asText()).isEqualTo("checkout-progress-bar.yaml:variants[0].allocation");
    e = error(400, "/api/v1/as-code/plan", body(withExperiment(article().replace("allocation: 50%", "allocation: 50"))));
    assertThat(e.get("details").toString()).contains("checkout-progress-bar.yaml:variants[0].allocation")
        .contains("write '50%' for a percentage");
  }

  @Test
  void largeYamlFile_withinTheLimit_isRead() {
    String big = "# " + "x".repeat(5 << 20) + "\n" + article();
    TestServer.Response r = t.send("POST", "/api/v1/as-code/plan", TestServer.ADMIN_TOKEN, "application/yaml",
        big.getBytes(StandardCharsets.UTF_8));
    assertThat(r.status()).as(r.body().substring(0, Math.min(300, r.body().length()))).isEqualTo(400);
    assertThat(r.json().get("error").get("details").toString()).contains("metric 'checkout_completion_rate' is not defined")
        .doesNotContain("syntax error");
  }

  @Test
  void missingMetric_is400NamingTheReference() {
    List<String[]> files = new ArrayList<>(examples().stream().filter(f -> !f[0].equals("metrics.yaml")).toList());
    JsonNode e = error(400, "/api/v1/as-code/plan", body(files));
    assertThat(e.get("details").toString()).contains("checkout-progress-bar.yaml:metrics.primary")
        .contains("metric 'checkout_completion_rate' is not defined in these files nor in project 'default'")
        .contains("checkout-progress-bar.yaml:metrics.guardrails[1]");
  }

  @Test
  void documentWithoutKindOrVariants_is400NamingKind() {
    JsonNode e = error(400, "/api/v1/as-code/plan", body(List.<String[]>of(new String[] {"x.yaml", "key: a\n"})));
    assertThat(e.get("details").get(0).get("field").asText()).isEqualTo("x.yaml:kind");
  }

  @Test
  void oversizedBody_is413() {
    byte[] big = new byte[(16 << 20) + 10];
    java.util.Arrays.fill(big, (byte) ' ');
    TestServer.Response r = t.send("POST", "/api/v1/as-code/plan", TestServer.ADMIN_TOKEN, "application/yaml", big);
    assertThat(r.status()).isEqualTo(413);
    String almost = "# " + "x".repeat(2 << 20) + "\n" + article();
    TestServer.Response fine = t.send("POST", "/api/v1/as-code/plan", TestServer.ADMIN_TOKEN, "application/yaml",
        almost.getBytes(StandardCharsets.UTF_8));
    assertThat(fine.status()).as("a 2 MiB file is over the 1 MiB JSON limit but within the files limit")
        .isIn(200, 400);
  }

  @Test
  void viewerCannotApply_butMayPlan_andExperimenterCannotWriteEnvironments() {
    String viewer = t.token("viewer");
    TestServer.Response r = t.call("POST", "/api/v1/as-code/apply", viewer, body(examples()));
    assertThat(r.status()).isEqualTo(403);
    assertThat(t.call("POST", "/api/v1/as-code/plan", viewer, body(examples())).status()).isEqualTo(200);
    String experimenter = t.token("experimenter");
    List<String[]> env = List.<String[]>of(new String[] {"env.yaml", "kind: environment\nkey: staging\n"});
    TestServer.Response denied = t.call("POST", "/api/v1/as-code/apply", experimenter, body(env));
    assertThat(denied.status()).as(denied.body()).isEqualTo(403);
    assertThat(t.admin("GET", "/api/v1/environments/staging", null).status()).isEqualTo(404);
  }

  @Test
  void flagsWithRules_layers_holdouts_roundTripThroughExport() {
    ok("/api/v1/as-code/apply", body(examples()));
    String more = """
        kind: layer
        key: checkout_layer
        name: Checkout
        ---
        kind: experiment
        key: button
        name: Button colour
        layer: checkout_layer
        range: { start: 0, end: 0.5 }
        variants:
          - { name: blue, allocation: "33.3%", config: blue }
          - { name: green, allocation: "33.3%", config: green }
          - { key: red, name: Red button, allocation: "33.4%", config: red }
        targeting: { eligible_users: all_logged_in, condition: { country: { $in: [DE, FR] } },
                     excluded_experiments: [checkout-progress-bar] }
        metrics: { primary: checkout_completion_rate,
                   guardrails: [ { metric: checkout_error_rate, threshold: 0.05 } ] }
        ---
        kind: flag
        key: new_checkout
        type: json
        default_value: { steps: 3 }
        environments:
          production:
            enabled: true
            rules:
              - condition: { id: { $inGroup: all_logged_in } }
                value: { steps: 2 }
              - value: { steps: 1 }
                coverage: 0.1
                hash_attribute: device_id
              - experiment: button
        ---
        kind: flag
        key: child
        type: boolean
        default_value: false
        prerequisites: [ { flag: new_checkout, value: { steps: 2 } } ]
        ---
        kind: holdout
        key: long_term
        fraction: 0.05
        flags: [new_checkout]
        experiments: [button]
        """;
    List<String[]> files = new ArrayList<>(examples());
    files.add(new String[] {"more.yaml", more});
    JsonNode applied = ok("/api/v1/as-code/apply", body(files));
    assertThat(applied.get("summary").get("create").asInt()).isEqualTo(5);
    JsonNode export = t.admin("GET", "/api/v1/as-code/export", null).json();
    List<String[]> exported = new ArrayList<>();
    export.get("files").forEach(f -> exported.add(new String[] {f.get("path").asText(), f.get("content").asText()}));
    JsonNode plan = ok("/api/v1/as-code/plan?prune=true", body(exported));
    assertThat(plan.get("summary").get("unchanged").asInt()).as(plan.toString()).isEqualTo(exported.size());
    assertThat(plan.get("summary").get("update").asInt() + plan.get("summary").get("create").asInt()
        + plan.get("summary").get("delete").asInt()).isZero();
    String button = exported.stream().filter(f -> f[0].equals("experiments/button.yaml")).findFirst().orElseThrow()[1];
    assertThat(button).contains("eligible_users: all_logged_in").contains("allocation: 33.4%")
        .contains("excluded_experiments:");
    String metric = exported.stream().filter(f -> f[0].equals("metrics/checkout_completion_rate.yaml")).findFirst()
        .orElseThrow()[1];
    assertThat(metric).as("defaults are left out of an export").isEqualTo("""
        kind: metric
        key: checkout_completion_rate
        name: Checkout completion rate
        type: proportion
        event: checkout_completed
        conversion_window_hours: 24.0
        """);
  }
}
