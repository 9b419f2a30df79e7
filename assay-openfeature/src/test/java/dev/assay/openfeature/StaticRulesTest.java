package dev.assay.openfeature;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class StaticRulesTest {

  @Test
  void of_firstUntargetedForceRule_isStatic() {
    StaticRules r = StaticRules.of("""
        {"features": {"f": {"defaultValue": 0, "rules": [{"id": "r1", "force": 1, "condition": {}}, {"id": "r2", "force": 2}]}}}
        """);

    assertThat(r.isStatic("f", "r1")).isTrue();
    assertThat(r.isStatic("f", "r2")).isFalse();
    assertThat(r.isStatic("g", "r1")).isFalse();
  }

  @Test
  void of_targetingFields_areNotStatic() {
    StaticRules r = StaticRules.of("""
        {"features": {
          "cond": {"rules": [{"id": "a", "condition": {"x": {"$in": [1, {"y": 2}]}}, "force": 1}]},
          "parent": {"rules": [{"id": "b", "parentConditions": [{"id": "p", "condition": {"value": true}}], "force": 1}]},
          "groups": {"rules": [{"id": "c", "savedGroups": [{"ids": ["g"]}], "force": 1}]},
          "filters": {"rules": [{"id": "d", "filters": [{"seed": "s", "ranges": [[0, 0.5]]}], "force": 1}]},
          "range": {"rules": [{"id": "e", "range": [0, 0.5], "force": 1}]},
          "coverage": {"rules": [{"id": "f", "coverage": 1, "force": 1}]},
          "experiment": {"rules": [{"id": "g", "variations": [1, 2]}]},
          "after": {"rules": [{"id": "h", "force": 1}]}
        }}
        """);

    for (String[] c : new String[][] {{"cond", "a"}, {"parent", "b"}, {"groups", "c"}, {"filters", "d"},
        {"range", "e"}, {"coverage", "f"}, {"experiment", "g"}}) {
      assertThat(r.isStatic(c[0], c[1])).as(c[0]).isFalse();
    }
    // The parser stays in step after skipping nested targeting fields.
    assertThat(r.isStatic("after", "h")).isTrue();
  }

  @Test
  void of_ruleWithoutId_isStaticOnlyAsTheOnlyForceRule() {
    StaticRules one = StaticRules.of("{\"features\": {\"f\": {\"rules\": [{\"force\": 1}]}}}");
    StaticRules two = StaticRules.of("{\"features\": {\"f\": {\"rules\": [{\"force\": 1}, "
        + "{\"condition\": {\"a\": 1}, \"force\": 2}]}}}");

    assertThat(one.isStatic("f", "")).isTrue();
    assertThat(two.isStatic("f", "")).isFalse();
  }

  @Test
  void of_encryptedMalformedOrAbsent_isEmpty() {
    assertThat(StaticRules.of("{\"encryptedFeatures\": \"abc\"}")).isSameAs(StaticRules.NONE);
    assertThat(StaticRules.of("{\"features\": {\"f\": {\"rules\": [{\"force\": ")).isSameAs(StaticRules.NONE);
    assertThat(StaticRules.of("[]")).isSameAs(StaticRules.NONE);
    assertThat(StaticRules.of(null)).isSameAs(StaticRules.NONE);
  }
}
