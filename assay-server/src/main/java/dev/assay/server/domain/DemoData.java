package dev.assay.server.domain;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.assay.server.store.Kind;

/** Seeds a small demo project so a newcomer sees flags, metrics and a running experiment at once. */
public final class DemoData {
  public static final String PROJECT = "demo";

  private DemoData() {}

  /** Creates the demo project unless it exists (idempotent). */
  public static void seed(ConfigService config) {
    if (config.list(Kind.PROJECT, "").stream().anyMatch(p -> p.path("key").asText().equals(PROJECT))) {
      return;
    }
    String actor = "demo-seed";
    config.create(Kind.PROJECT, "", json("{\"key\":\"demo\",\"name\":\"Demo shop\",\"description\":\"Seeded by --demo\"}"), actor);
    config.create(Kind.ENVIRONMENT, PROJECT, json("{\"key\":\"production\",\"name\":\"Production\"}"), actor);
    config.create(Kind.ENVIRONMENT, PROJECT, json("{\"key\":\"staging\",\"name\":\"Staging\"}"), actor);
    config.create(Kind.SDK_CONNECTION, PROJECT, json("{\"environment\":\"production\",\"name\":\"web\"}"), actor);
    config.create(Kind.SEGMENT, PROJECT, json("{\"key\":\"beta-testers\",\"name\":\"Beta testers\",\"condition\":{\"beta\":true}}"), actor);
    config.create(Kind.METRIC, PROJECT, json("{\"key\":\"purchase\",\"name\":\"Purchase\",\"type\":\"proportion\",\"event\":\"purchase\",\"conversionWindowHours\":72}"), actor);
    config.create(Kind.METRIC, PROJECT, json("{\"key\":\"revenue\",\"name\":\"Revenue per user\",\"type\":\"mean\",\"event\":\"purchase\",\"capping\":1000}"), actor);
    config.create(Kind.METRIC, PROJECT, json("{\"key\":\"page-load-ms\",\"name\":\"Page load\",\"type\":\"mean\",\"event\":\"page_load\",\"direction\":\"decrease\"}"), actor);
    config.create(Kind.LAYER, PROJECT, json("{\"key\":\"checkout\",\"name\":\"Checkout layer\"}"), actor);
    config.create(Kind.FLAG, PROJECT, json("""
        {"key":"new-header","type":"boolean","defaultValue":false,"owner":"web-team",
         "environments":{"production":{"enabled":true,"rules":[
            {"condition":{"id":{"$inGroup":"beta-testers"}},"value":true},
            {"value":true,"coverage":0.2,"hashAttribute":"id"}]},
          "staging":{"enabled":true,"rules":[{"value":true}]}}}"""), actor);
    config.create(Kind.EXPERIMENT, PROJECT, json("""
        {"key":"checkout-button","name":"Checkout button colour",
         "hypothesis":"A green button raises purchases","owner":"growth","hashAttribute":"id",
         "variants":[{"key":"control","weight":0.5,"value":"blue"},{"key":"green","weight":0.5,"value":"green"}],
         "layer":"checkout","range":{"start":0.0,"end":0.5},
         "metrics":{"primary":"purchase","secondary":["revenue"],
                    "guardrails":[{"metric":"page-load-ms","direction":"decrease","threshold":0.05}]}}"""), actor);
    config.transition(PROJECT, "checkout-button", ConfigService.Action.START, json("{}"), actor);
  }

  private static JsonNode json(String s) {
    try {
      return Json.MAPPER.readTree(s);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("demo JSON is malformed", e);
    }
  }
}
