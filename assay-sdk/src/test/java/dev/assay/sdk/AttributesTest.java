package dev.assay.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@link Attributes}: the factories, the builder, copies with {@code with}, immutability, and how
 * Java value types (Integer, Long, Double, numeric strings, nested maps) are seen by conditions and
 * hashing, which follow JavaScript semantics.
 */
class AttributesTest {

  // ---- construction --------------------------------------------------------------------------

  @Test
  void of_threePairs_keepsValuesAndInsertionOrder() {
    Attributes a = Attributes.of("id", "u1", "country", "US", "age", 34);

    assertThat(a.size()).isEqualTo(3);
    assertThat(a.asMap()).containsExactly(Map.entry("id", "u1"), Map.entry("country", "US"), Map.entry("age", 34));
  }

  @Test
  void of_duplicateKey_rejectedNamingTheKey() {
    assertThatThrownBy(() -> Attributes.of("id", "a", "id", "b"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'id'");
    assertThatThrownBy(() -> Attributes.of("id", "a", "plan", "b", "plan", "c"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'plan'");
  }

  @Test
  void of_nullKey_rejected() {
    assertThatThrownBy(() -> Attributes.of(null, "a")).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> Attributes.of("id", "a", null, "b")).isInstanceOf(NullPointerException.class);
  }

  @Test
  void of_nullValue_isAbsentForValueButCounted() {
    Attributes a = Attributes.of("id", "u1", "email", null);

    assertThat(a.size()).isEqualTo(2);
    assertThat(a.value("email")).isEmpty();
    assertThat(a.value("missing")).isEmpty();
    assertThat(a.value("id")).contains("u1");
  }

  @Test
  void empty_hasNoAttributes() {
    assertThat(Attributes.empty().size()).isZero();
    assertThat(Attributes.empty().asMap()).isEmpty();
    assertThat(Attributes.empty().value("id")).isEmpty();
  }

  @Test
  void builder_lastValueForAKeyWins() {
    Attributes a = Attributes.builder().put("id", "first").put("plan", "pro").put("id", "second").build();

    assertThat(a.asMap()).containsExactly(Map.entry("id", "second"), Map.entry("plan", "pro"));
  }

  @Test
  void builder_putAfterBuild_doesNotChangeBuiltAttributes() {
    Attributes.Builder b = Attributes.builder().put("id", "u1");
    Attributes built = b.build();

    b.put("id", "u2").put("country", "FR");

    assertThat(built.asMap()).containsExactly(Map.entry("id", "u1"));
    assertThat(b.build().asMap()).containsExactly(Map.entry("id", "u2"), Map.entry("country", "FR"));
  }

  @Test
  void builder_nullKey_rejected() {
    assertThatThrownBy(() -> Attributes.builder().put(null, 1))
        .isInstanceOf(NullPointerException.class).hasMessageContaining("key");
  }

  @Test
  void fromMap_copiesTheMap() {
    Map<String, Object> source = new LinkedHashMap<>();
    source.put("id", "u1");
    source.put("country", "US");
    Attributes a = Attributes.fromMap(source);

    source.put("id", "changed");
    source.put("plan", "free");

    assertThat(a.asMap()).containsExactly(Map.entry("id", "u1"), Map.entry("country", "US"));
  }

  @Test
  void fromMap_nullKey_rejected() {
    Map<String, Object> source = new HashMap<>();
    source.put(null, "x");

    assertThatThrownBy(() -> Attributes.fromMap(source))
        .isInstanceOf(NullPointerException.class).hasMessageContaining("attribute key");
  }

  // ---- immutability and copies ---------------------------------------------------------------

  @Test
  void with_existingKey_replacesInCopyOnly() {
    Attributes original = Attributes.of("id", "u1", "country", "US");

    Attributes changed = original.with("country", "CA");

    assertThat(changed.asMap()).containsExactly(Map.entry("id", "u1"), Map.entry("country", "CA"));
    assertThat(original.asMap()).containsExactly(Map.entry("id", "u1"), Map.entry("country", "US"));
  }

  @Test
  void with_newKey_appendsInCopyOnly() {
    Attributes original = Attributes.of("id", "u1");

    Attributes changed = original.with("plan", "pro");

    assertThat(changed.asMap()).containsExactly(Map.entry("id", "u1"), Map.entry("plan", "pro"));
    assertThat(original.size()).isEqualTo(1);
    assertThat(original.value("plan")).isEmpty();
  }

  @Test
  void with_onEmpty_leavesSharedEmptyInstanceEmpty() {
    Attributes a = Attributes.empty().with("id", "u1");

    assertThat(a.value("id")).contains("u1");
    assertThat(Attributes.empty().size()).isZero();
  }

  @Test
  void asMap_isUnmodifiable() {
    Map<String, Object> m = Attributes.of("id", "u1").asMap();

    assertThatThrownBy(() -> m.put("id", "u2")).isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> m.remove("id")).isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void equals_ignoresOrder_andHashCodeAgrees() {
    Attributes a = Attributes.of("id", "u1", "country", "US");
    Attributes b = Attributes.builder().put("country", "US").put("id", "u1").build();

    assertThat(a).isEqualTo(b);
    assertThat(a.hashCode()).isEqualTo(b.hashCode());
    assertThat(a).isNotEqualTo(a.with("country", "CA"));
  }

  @Test
  void toString_isJson() {
    assertThat(Attributes.of("id", "u1", "age", 34, "beta", true).toString())
        .isEqualTo("{\"id\":\"u1\",\"age\":34,\"beta\":true}");
  }

  // ---- type coercion as conditions and hashing see it -----------------------------------------

  private static ExperimentClient clientWithCondition(String conditionJson) {
    return ExperimentClient.builder()
        .payload("{\"features\":{\"f\":{\"defaultValue\":false,\"rules\":[{\"condition\":" + conditionJson
            + ",\"force\":true}]}}}")
        .build();
  }

  @Test
  void condition_javaIntegerLongDoubleAndFloat_equalPayloadNumber() {
    ExperimentClient client = clientWithCondition("{\"age\":34}");

    assertThat(client.isOn("f", Attributes.of("age", 34))).isTrue();
    assertThat(client.isOn("f", Attributes.of("age", 34L))).isTrue();
    assertThat(client.isOn("f", Attributes.of("age", 34.0))).isTrue();
    assertThat(client.isOn("f", Attributes.of("age", 34.0f))).isTrue();
    assertThat(client.isOn("f", Attributes.of("age", (short) 34))).isTrue();
    assertThat(client.isOn("f", Attributes.of("age", 35))).isFalse();
  }

  @Test
  void condition_shorthandNumber_coercesStringLikeJavaScript() {
    // GrowthBook's shorthand equality with a number is value * 1 === condition.
    ExperimentClient client = clientWithCondition("{\"age\":34}");

    assertThat(client.isOn("f", Attributes.of("age", "34"))).isTrue();
    assertThat(client.isOn("f", Attributes.of("age", " 34 "))).isTrue();
    assertThat(client.isOn("f", Attributes.of("age", "34a"))).isFalse();
  }

  @Test
  void condition_eqOperator_isStrictAcrossTypes() {
    // $eq is ===: the string "34" is not the number 34, but every Java number type is.
    ExperimentClient client = clientWithCondition("{\"age\":{\"$eq\":34}}");

    assertThat(client.isOn("f", Attributes.of("age", "34"))).isFalse();
    assertThat(client.isOn("f", Attributes.of("age", 34))).isTrue();
    assertThat(client.isOn("f", Attributes.of("age", 34.0))).isTrue();
  }

  @Test
  void condition_numericStringComparedWithNumber_comparesNumerically() {
    // JavaScript: "34" > 18 converts the string, so true; "9" > 18 is false although "9" > "18".
    ExperimentClient client = clientWithCondition("{\"age\":{\"$gt\":18}}");

    assertThat(client.isOn("f", Attributes.of("age", "34"))).isTrue();
    assertThat(client.isOn("f", Attributes.of("age", "9"))).isFalse();
    assertThat(client.isOn("f", Attributes.of("age", "not a number"))).isFalse();
  }

  @Test
  void condition_stringsCompareAsStrings() {
    ExperimentClient client = clientWithCondition("{\"tier\":{\"$gt\":\"18\"}}");

    assertThat(client.isOn("f", Attributes.of("tier", "9"))).isTrue();
  }

  @Test
  void condition_shorthandBoolean_comparesTruthiness() {
    // GrowthBook's shorthand equality with a boolean is value !== null && !!value === condition.
    ExperimentClient on = clientWithCondition("{\"beta\":true}");
    ExperimentClient off = clientWithCondition("{\"beta\":false}");

    assertThat(on.isOn("f", Attributes.of("beta", true))).isTrue();
    assertThat(on.isOn("f", Attributes.of("beta", "yes"))).isTrue();
    assertThat(on.isOn("f", Attributes.of("beta", 0))).isFalse();
    assertThat(off.isOn("f", Attributes.of("beta", false))).isTrue();
    assertThat(off.isOn("f", Attributes.of("beta", ""))).isTrue();
    assertThat(off.isOn("f", Attributes.of("beta", null))).isFalse();
    assertThat(off.isOn("f", Attributes.empty())).isFalse();
  }

  @Test
  void condition_nestedMapAndListAttributes_reachableByDottedPath() {
    ExperimentClient client = clientWithCondition("{\"company.size\":{\"$gte\":100},\"tags\":{\"$elemMatch\":{\"$eq\":\"vip\"}}}");

    Attributes a = Attributes.of("company", Map.of("size", 250), "tags", List.of("new", "vip"));

    assertThat(client.isOn("f", a)).isTrue();
    assertThat(client.isOn("f", a.with("company", Map.of("size", 20)))).isFalse();
    assertThat(client.isOn("f", a.with("tags", List.of("new")))).isFalse();
  }

  @Test
  void hashing_numericIdOfAnyJavaType_hashesLikeItsJavaScriptString() {
    // String(42) === String(42.0) === "42" in JavaScript, so all three share a bucket with "42".
    Experiment exp = Experiment.builder("exp", List.of("a", "b", "c")).hashVersion(2).build();
    ExperimentClient client = ExperimentClient.builder().build();
    ExperimentResult asString = client.run(exp, Attributes.of("id", "42"));

    for (Object id : List.of(42, 42L, 42.0)) {
      ExperimentResult r = client.run(exp, Attributes.of("id", id));
      assertThat(r.hashValue()).as("hash value of %s", id.getClass()).isEqualTo("42");
      assertThat(r.bucket()).as("bucket of %s", id.getClass()).isEqualTo(asString.bucket());
    }
  }

  @Test
  void hashing_falsyId_notInExperiment() {
    // GrowthBook skips units whose hash attribute is falsy: "", 0, false, null.
    Experiment exp = Experiment.builder("exp", List.of("a", "b")).build();
    ExperimentClient client = ExperimentClient.builder().build();

    for (Object id : new Object[] {"", 0, false, null}) {
      assertThat(client.run(exp, Attributes.of("id", id)).inExperiment()).as("id %s", id).isFalse();
    }
    assertThat(client.run(exp, Attributes.empty()).inExperiment()).isFalse();
  }
}
