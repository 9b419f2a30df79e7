package dev.assay.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * A harness, not a test (timing is never asserted): applies 500 resources (200 metrics, 100
 * segments, 150 flags with rules, 50 experiments) through {@code POST /as-code/apply} against a
 * real server on the embedded store, then re-applies them unchanged, and prints the times. Run
 * only when asked: {@code -Dassay.asCodeLoad=true}; results go to docs/performance.md.
 */
@EnabledIfSystemProperty(named = "assay.asCodeLoad", matches = "true")
class AsCodeApplyHarnessTest {
  static String files() {
    StringBuilder metrics = new StringBuilder();
    for (int i = 0; i < 200; i++) {
      metrics.append("kind: metric\nkey: m").append(i).append("\nname: Metric ").append(i)
          .append("\ntype: proportion\nevent: e").append(i).append("\n---\n");
    }
    StringBuilder segments = new StringBuilder();
    for (int i = 0; i < 100; i++) {
      segments.append("kind: segment\nkey: s").append(i).append("\ncondition: { country: { $in: [C").append(i)
          .append("] } }\n---\n");
    }
    StringBuilder experiments = new StringBuilder();
    for (int i = 0; i < 50; i++) {
      experiments.append("name: x").append(i).append("\nowner: load\nvariants:\n  - { name: control, allocation: 50%,"
          + " config: { on: false } }\n  - { name: treatment, allocation: 50%, config: { on: true } }\n"
          + "targeting: { eligible_users: s").append(i).append(" }\nmetrics: { primary: m").append(i)
          .append(", secondary: [m").append(i + 50).append("], guardrails: [m").append(i + 100)
          .append("] }\nduration: { minimum_runtime_days: 7, target_sample_size_per_variant: 5000 }\n---\n");
    }
    StringBuilder flags = new StringBuilder();
    for (int i = 0; i < 150; i++) {
      flags.append("kind: flag\nkey: f").append(i).append("\ntype: boolean\ndefault_value: false\nenvironments:\n"
          + "  production:\n    rules:\n      - { condition: { id: { $inGroup: s").append(i % 100)
          .append(" } }, value: true }\n").append(i < 50 ? "      - { experiment: x" + i + " }\n" : "")
          .append("---\n");
    }
    return AsCodeApiTest.body(List.of(new String[] {"metrics.yaml", metrics.toString()},
        new String[] {"segments.yaml", segments.toString()}, new String[] {"experiments.yaml", experiments.toString()},
        new String[] {"flags.yaml", flags.toString()}));
  }

  @Test
  void measure() {
    String body = files();
    List<String> lines = new ArrayList<>();
    for (int round = 0; round < 3; round++) {
      try (TestServer t = new TestServer()) {
        t.admin("GET", "/api/v1/metrics", null);
        long t0 = System.nanoTime();
        TestServer.Response plan = t.admin("POST", "/api/v1/as-code/plan", body);
        long t1 = System.nanoTime();
        TestServer.Response apply = t.admin("POST", "/api/v1/as-code/apply", body);
        long t2 = System.nanoTime();
        TestServer.Response again = t.admin("POST", "/api/v1/as-code/apply", body);
        long t3 = System.nanoTime();
        assertThat(apply.status()).as(apply.body()).isEqualTo(200);
        JsonNode s = apply.json().get("summary");
        assertThat(s.get("create").asInt()).isEqualTo(500);
        assertThat(again.json().get("summary").get("unchanged").asInt()).isEqualTo(500);
        assertThat(plan.status()).isEqualTo(200);
        lines.add(String.format("round %d: plan (500 creates) %.2f s, apply 500 %.2f s, no-op re-apply %.2f s",
            round + 1, (t1 - t0) / 1e9, (t2 - t1) / 1e9, (t3 - t2) / 1e9));
      }
    }
    lines.forEach(l -> System.out.println("=== as-code " + l));
  }
}
