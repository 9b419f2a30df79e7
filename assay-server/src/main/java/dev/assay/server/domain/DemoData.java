package dev.assay.server.domain;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.assay.server.store.Kind;
import java.time.Duration;
import java.util.function.Function;

/**
 * Seeds a small demo project so a newcomer sees flags, metrics and experiments at once: the
 * running {@value #EXPERIMENT} (started {@link #HISTORY} ago, so simulated traffic fills its
 * phase), a running A/A test {@value #AA_EXPERIMENT}, and {@value #CONCLUDED_EXPERIMENT}, concluded
 * with a decision and write-up. The traffic itself is seeded by the server (it needs the event store).
 */
public final class DemoData {
  public static final String PROJECT = "demo";
  /** The running A/B test with simulated traffic: one clear winner, a flat guardrail, one thin metric. */
  public static final String EXPERIMENT = "checkout-button";
  /** The running A/A test: both variants the same, so no result should be significant. */
  public static final String AA_EXPERIMENT = "search-ranking-aa";
  public static final String CONCLUDED_EXPERIMENT = "free-shipping-banner";
  /** How long ago the running experiments started. */
  public static final Duration HISTORY = Duration.ofDays(14);

  private DemoData() {}

  /**
   * Creates the demo project unless it exists (idempotent).
   *
   * @param configAt the config service whose clock reads the given time ago, so that entities and
   *     experiment phases get past dates (the concluded experiment ran 6 to 4 weeks ago)
   * @return whether the project was created now (so its traffic is seeded once, not per restart)
   */
  public static boolean seed(Function<Duration, ConfigService> configAt) {
    ConfigService config = configAt.apply(Duration.ofDays(42));
    if (config.projectKeys().contains(PROJECT)) {
      return false;
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
    config.create(Kind.METRIC, PROJECT, json("{\"key\":\"referral\",\"name\":\"Referred a friend\",\"type\":\"proportion\",\"event\":\"referral\"}"), actor);
    config.create(Kind.LAYER, PROJECT, json("{\"key\":\"checkout\",\"name\":\"Checkout layer\"}"), actor);
    config.create(Kind.FLAG, PROJECT, json("""
        {"key":"new-header","type":"boolean","defaultValue":false,"owner":"web-team",
         "environments":{"production":{"enabled":true,"rules":[
            {"condition":{"id":{"$inGroup":"beta-testers"}},"value":true},
            {"value":true,"coverage":0.2,"hashAttribute":"id"}]},
          "staging":{"enabled":true,"rules":[{"value":true}]}}}"""), actor);
    concluded(config, configAt.apply(Duration.ofDays(28)), actor);
    running(configAt.apply(HISTORY), actor);
    return true;
  }

  private static void concluded(ConfigService started, ConfigService ended, String actor) {
    started.create(Kind.EXPERIMENT, PROJECT, json("""
        {"key":"free-shipping-banner","name":"Free shipping banner",
         "hypothesis":"Announcing free shipping over 50 EUR raises purchases","owner":"growth","hashAttribute":"id",
         "variants":[{"key":"control","weight":0.5,"value":false},{"key":"banner","weight":0.5,"value":true}],
         "metrics":{"primary":"purchase","secondary":["revenue"]}}"""), actor);
    started.transition(PROJECT, CONCLUDED_EXPERIMENT, ConfigService.Action.START, json("{}"), actor);
    ended.transition(PROJECT, CONCLUDED_EXPERIMENT, ConfigService.Action.STOP, json("{}"), actor);
    ended.transition(PROJECT, CONCLUDED_EXPERIMENT, ConfigService.Action.CONCLUDE, json("""
        {"decision":{"outcome":"ship","variant":"banner","writeUp":"After two weeks and 18,400 users the banner\
         raised purchase from 9.8% to 10.9% (+11% relative, 95% CI +4% to +18%); revenue per user rose with it\
         and page load was unchanged. Shipped to everyone on the day the experiment stopped."}}"""), actor);
  }

  private static void running(ConfigService config, String actor) {
    config.create(Kind.EXPERIMENT, PROJECT, json("""
        {"key":"checkout-button","name":"Checkout button colour",
         "hypothesis":"A green button raises purchases","owner":"growth","hashAttribute":"id",
         "variants":[{"key":"control","weight":0.5,"value":"blue"},{"key":"green","weight":0.5,"value":"green"}],
         "layer":"checkout","range":{"start":0.0,"end":0.5},"plannedUnits":10000,
         "metrics":{"primary":"purchase","secondary":["revenue","referral"],
                    "guardrails":[{"metric":"page-load-ms","direction":"decrease","threshold":0.05}]}}"""), actor);
    config.transition(PROJECT, EXPERIMENT, ConfigService.Action.START, json("{}"), actor);
    config.create(Kind.EXPERIMENT, PROJECT, json("""
        {"key":"search-ranking-aa","name":"Search ranking A/A check","type":"aa",
         "hypothesis":"Two identical arms: checks assignment and analysis, nothing should be significant",
         "owner":"platform","hashAttribute":"id","plannedUnits":20000,
         "variants":[{"key":"a","weight":0.5,"value":"ranking-v3"},{"key":"b","weight":0.5,"value":"ranking-v3"}],
         "metrics":{"primary":"purchase","secondary":["revenue"],
                    "guardrails":[{"metric":"page-load-ms","direction":"decrease","threshold":0.05}]}}"""), actor);
    config.transition(PROJECT, AA_EXPERIMENT, ConfigService.Action.START, json("{}"), actor);
  }

  private static JsonNode json(String s) {
    try {
      return Json.MAPPER.readTree(s);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("demo JSON is malformed", e);
    }
  }
}
