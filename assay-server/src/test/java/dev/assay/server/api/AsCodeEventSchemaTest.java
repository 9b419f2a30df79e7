package dev.assay.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Event schemas as code (ADR 0052) on a real server: export, apply to a fresh project and export
 * again give the same files; a compatible change in a file plans as an update to the next version;
 * a breaking one is a plan error naming the file and field and applies nothing, until the file
 * declares the next version; prune deletes a schema no file declares; malformed files are 400s
 * naming file and field. What is stored is
 * read back through the API's own {@code /event-schemas}, and the stored contract is then checked
 * by ingestion, the reader the contract exists for.
 */
class AsCodeEventSchemaTest {
  private static final String PURCHASE = """
      kind: event_schema
      name: purchase
      value: required
      properties:
        plan: {type: string, required: true, allowed: [free, pro]}
        coupon: {type: string}
      """;
  /** A name that is no file name: the export encodes it, the document inside keeps it. */
  private static final String PAGE_VIEW = "kind: event_schema\nname: page view/v2\nvalue: absent\n";
  private static final String METRIC = "kind: metric\nkey: revenue\ntype: mean\nevent: purchase\n";
  private final TestServer t = new TestServer();

  @AfterEach
  void stop() {
    t.close();
  }

  private static String body(String... pathsAndContents) {
    List<String[]> files = new ArrayList<>();
    for (int i = 0; i < pathsAndContents.length; i += 2) {
      files.add(new String[] {pathsAndContents[i], pathsAndContents[i + 1]});
    }
    return AsCodeApiTest.body(files);
  }

  private JsonNode ok(String path, String body) {
    TestServer.Response r = t.admin("POST", path, body);
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    return r.json();
  }

  private List<String[]> export(String project) {
    TestServer.Response r = t.admin("GET", "/api/v1/as-code/export?project=" + project, null);
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    List<String[]> out = new ArrayList<>();
    r.json().get("files").forEach(f -> out.add(new String[] {f.get("path").asText(), f.get("content").asText()}));
    return out;
  }

  private JsonNode schema(String project, String name) {
    TestServer.Response r = t.admin("GET", "/api/v1/event-schemas/" + name + "?project=" + project, null);
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    return r.json();
  }

  private static List<String> paths(List<String[]> files) {
    return files.stream().map(f -> f[0]).toList();
  }

  @Test
  void export_appliedToAFreshProject_exportsTheSameFiles() {
    JsonNode applied = ok("/api/v1/as-code/apply", body("purchase.yaml", PURCHASE, "views.yaml", PAGE_VIEW,
        "metrics.yaml", METRIC));
    assertThat(applied.get("summary").get("create").asInt()).isEqualTo(3);
    JsonNode stored = schema("default", "purchase");
    assertThat(stored.get("version").asLong()).isEqualTo(1);
    assertThat(stored.get("value").asText()).isEqualTo("required");
    assertThat(stored.get("properties").get("plan").get("allowed").toString()).isEqualTo("[\"free\",\"pro\"]");
    assertThat(stored.get("properties").get("coupon").get("required").asBoolean()).isFalse();

    List<String[]> first = export("default").stream().filter(f -> !f[0].startsWith("projects/")).toList();
    assertThat(paths(first)).containsExactly("environments/production.yaml", "event_schemas/page%20view%2Fv2.yaml",
        "event_schemas/purchase.yaml", "metrics/revenue.yaml");
    String purchase = first.stream().filter(f -> f[0].equals("event_schemas/purchase.yaml")).findFirst().orElseThrow()[1];
    assertThat(purchase).isEqualTo("""
        kind: event_schema
        name: purchase
        value: required
        properties:
          coupon:
            type: string
          plan:
            type: string
            required: true
            allowed:
            - free
            - pro
        """);

    assertThat(t.admin("POST", "/api/v1/projects", "{\"key\":\"fresh\",\"name\":\"Fresh\"}").status()).isEqualTo(201);
    JsonNode plan = ok("/api/v1/as-code/plan?project=fresh", AsCodeApiTest.body(first));
    assertThat(plan.get("changes").findValuesAsText("kind")).contains("event_schema");
    ok("/api/v1/as-code/apply?project=fresh", AsCodeApiTest.body(first));
    List<String[]> again = export("fresh").stream().filter(f -> !f[0].startsWith("projects/")).toList();
    assertThat(again).usingRecursiveFieldByFieldElementComparator().containsExactlyElementsOf(first);
    JsonNode listed = t.admin("GET", "/api/v1/event-schemas?project=fresh", null).json().get("items");
    assertThat(listed.findValuesAsText("name")).containsExactly("page view/v2", "purchase");
    assertThat(listed.findValuesAsText("value")).containsExactly("absent", "required");
    JsonNode replan = ok("/api/v1/as-code/plan?project=fresh&prune=true", AsCodeApiTest.body(again));
    assertThat(replan.get("summary").get("unchanged").asInt()).as(replan.toString()).isEqualTo(again.size());

    List<String[]> without = again.stream().filter(f -> !f[0].equals("event_schemas/purchase.yaml")).toList();
    JsonNode pruned = ok("/api/v1/as-code/apply?project=fresh&prune=true", AsCodeApiTest.body(without));
    assertThat(pruned.get("summary").get("delete").asInt()).isEqualTo(1);
    JsonNode deleted = pruned.get("changes").get(pruned.get("changes").size() - 1);
    assertThat(deleted.get("kind").asText() + " " + deleted.get("key").asText() + " " + deleted.get("action").asText())
        .isEqualTo("event_schema purchase delete");
    assertThat(t.admin("GET", "/api/v1/event-schemas/purchase?project=fresh", null).status()).isEqualTo(404);
  }

  @Test
  void compatibleChange_plansTheNextVersion_andApplies() {
    ok("/api/v1/as-code/apply", body("purchase.yaml", PURCHASE));
    String wider = PURCHASE.replace("allowed: [free, pro]", "allowed: [free, pro, team]")
        + "  amount: {type: number}\n";
    JsonNode plan = ok("/api/v1/as-code/plan", body("purchase.yaml", wider));
    JsonNode change = plan.get("changes").get(0);
    assertThat(change.get("action").asText()).isEqualTo("update");
    assertThat(change.get("evolution").asText()).isEqualTo("compatible");
    List<String> fields = new ArrayList<>();
    change.get("fields").forEach(f -> fields.add(f.get("path").asText() + ": " + f.get("before") + " -> " + f.get("after")));
    assertThat(fields).containsExactly("version: 1 -> 2", "properties.amount: null -> {\"type\":\"number\"}",
        "properties.plan.allowed[2]: null -> \"team\"");
    assertThat(schema("default", "purchase").get("version").asLong()).as("a plan writes nothing").isEqualTo(1);
    ok("/api/v1/as-code/apply", body("purchase.yaml", wider));
    JsonNode stored = schema("default", "purchase");
    assertThat(stored.get("version").asLong()).isEqualTo(2);
    assertThat(stored.get("properties").get("amount").get("type").asText()).isEqualTo("number");
    assertThat(ok("/api/v1/as-code/plan", body("purchase.yaml", wider)).get("summary").get("unchanged").asInt())
        .isEqualTo(1);
  }

  @Test
  void breakingChange_isAPlanErrorNamingTheField_andAppliesNothing_untilDeclaredAsTheNextVersion() {
    ok("/api/v1/as-code/apply", body("purchase.yaml", PURCHASE));
    String narrower = PURCHASE.replace("allowed: [free, pro]", "allowed: [free]");
    for (String action : List.of("plan", "apply")) {
      TestServer.Response r = t.admin("POST", "/api/v1/as-code/" + action, body("purchase.yaml", narrower,
          "metrics.yaml", METRIC));
      assertThat(r.status()).as(r.body()).isEqualTo(400);
      JsonNode error = r.json().get("error");
      assertThat(error.get("code").asText()).isEqualTo("validation_failed");
      assertThat(error.get("details")).hasSize(1);
      assertThat(error.get("details").get(0).get("field").asText()).isEqualTo("purchase.yaml:properties.plan.allowed");
      assertThat(error.get("details").get(0).get("message").asText()).contains("no longer allows [pro]")
          .contains("version: 2");
    }
    assertThat(schema("default", "purchase").get("version").asLong()).isEqualTo(1);
    assertThat(t.admin("GET", "/api/v1/metrics/revenue", null).status()).as("nothing applied").isEqualTo(404);

    String declared = narrower + "version: 2\n";
    JsonNode plan = ok("/api/v1/as-code/plan", body("purchase.yaml", declared));
    assertThat(plan.get("changes").get(0).get("evolution").asText()).isEqualTo("breaking");
    ok("/api/v1/as-code/apply", body("purchase.yaml", declared));
    JsonNode stored = schema("default", "purchase");
    assertThat(stored.get("version").asLong()).isEqualTo(2);
    assertThat(stored.get("properties").get("plan").get("allowed").toString()).isEqualTo("[\"free\"]");
    assertThat(ok("/api/v1/as-code/plan", body("purchase.yaml", declared)).get("summary").get("unchanged").asInt())
        .as("the file still declaring version 2 is the stored version 2").isEqualTo(1);
    TestServer.Response stale = t.admin("POST", "/api/v1/as-code/plan", body("purchase.yaml",
        declared.replace("coupon: {type: string}", "coupon: {type: string}\n  note: {type: string}")));
    assertThat(stale.status()).as(stale.body()).isEqualTo(400);
    assertThat(stale.json().get("error").get("details").get(0).get("field").asText()).isEqualTo("purchase.yaml:version");
    assertThat(stale.json().get("error").get("details").get(0).get("message").asText()).contains("must be 3");
  }

  @Test
  void storedContract_isWhatIngestionEnforces() {
    ok("/api/v1/as-code/apply", body("purchase.yaml", PURCHASE));
    assertThat(t.admin("PUT", "/api/v1/data-quality", "{\"mode\":\"enforce\"}").status()).isEqualTo(200);
    String key = t.admin("POST", "/api/v1/sdk-connections", "{\"name\":\"web\",\"environment\":\"production\"}")
        .json().get("key").asText();
    long now = System.currentTimeMillis();
    String events = "[" + EventSchemasTest.metric("m0", "purchase", "3", "{\"plan\":\"pro\"}", now) + ","
        + EventSchemasTest.metric("m1", "purchase", "3", "{\"plan\":\"gold\"}", now) + "]";
    TestServer.Response r = t.send("POST", "/api/v1/events", key, "application/json",
        events.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    assertThat(r.json().get("accepted").asInt()).isEqualTo(1);
    assertThat(r.json().get("rejected").findValuesAsText("index")).containsExactly("1");
  }

  @Test
  void malformedSchemaFiles_are400sNamingFileAndField() {
    TestServer.Response r = t.admin("POST", "/api/v1/as-code/plan", body(
        "a.yaml", "kind: event_schema\nname: a\nproperties:\n  plan: {type: text}\n",
        "b.yaml", "kind: event_schema\nname: b\nproperties:\n  plan: {type: string, requird: true}\n",
        "c.yaml", "kind: event_schema\nvalue: required\n",
        "d.yaml", "kind: event_schema\nname: d\nproperties:\n  amount: {type: number, allowed: [\"1\"]}\n",
        "e.yaml", "kind: event_schema\nname: e\nvalue: sometimes\n",
        "f.yaml", "kind: event_schema\nname: f\nversion: 0\n",
        "g.yaml", "kind: event_schema\nname: g\n---\nkind: event_schema\nname: g\n"));
    assertThat(r.status()).as(r.body()).isEqualTo(400);
    List<String> fields = new ArrayList<>();
    r.json().get("error").get("details").forEach(d -> fields.add(d.get("field").asText()));
    assertThat(fields).containsExactlyInAnyOrder("a.yaml:properties.plan.type", "b.yaml:properties.plan.requird",
        "c.yaml:name", "d.yaml:properties.amount.allowed", "e.yaml:value", "f.yaml:version", "g.yaml#2:name");
  }
}
