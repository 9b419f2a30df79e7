package dev.assay.openfeature;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.assay.sdk.Attributes;
import dev.openfeature.sdk.ImmutableContext;
import dev.openfeature.sdk.MutableContext;
import dev.openfeature.sdk.Value;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ValuesTest {

  @Test
  void toValue_nestedJson_roundTripsThroughToJava() {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("s", "x");
    json.put("i", 3L);
    json.put("d", 2.5);
    json.put("b", true);
    json.put("n", null);
    json.put("list", List.of(1L, "two", Map.of("three", 3L)));

    Value v = Values.toValue(json);

    assertThat(v.asStructure().getValue("i").asObject()).isEqualTo(3);
    assertThat(v.asStructure().getValue("d").asDouble()).isEqualTo(2.5);
    assertThat(v.asStructure().getValue("n").isNull()).isTrue();
    Map<String, Object> back = new LinkedHashMap<>(json);
    back.put("i", 3);
    back.put("list", Arrays.asList(1, "two", Map.of("three", 3)));
    assertThat(Values.toJava(v)).isEqualTo(back);
  }

  @Test
  void toInteger_onlyIntegralInRange() {
    assertThat(Values.toInteger(7L)).isEqualTo(7);
    assertThat(Values.toInteger(7.0)).isEqualTo(7);
    assertThat(Values.toInteger(7.5)).isNull();
    assertThat(Values.toInteger(3_000_000_000L)).isNull();
    assertThat(Values.toInteger(-2_147_483_648L)).isEqualTo(Integer.MIN_VALUE);
    assertThat(Values.toInteger(BigInteger.TWO.pow(64).add(BigInteger.valueOf(5)))).isNull();
    assertThat(Values.toInteger(Double.NaN)).isNull();
  }

  @Test
  void toValue_unsupportedType_namesIt() {
    assertThatThrownBy(() -> Values.toValue(new Object())).hasMessageContaining("java.lang.Object");
  }

  @Test
  void attributes_targetingKeyBecomesId_andIsNotCopied() {
    MutableContext ctx = new MutableContext("user-1");
    ctx.add("country", "US");

    Attributes a = Values.attributes(ctx);

    assertThat(a.asMap()).containsOnlyKeys("country", "id");
    assertThat(a.value("id")).contains("user-1");
  }

  @Test
  void attributes_emptyTargetingKey_addsNoId() {
    assertThat(Values.attributes(new ImmutableContext()).size()).isZero();
    assertThat(Values.attributes(new ImmutableContext("")).value("id")).isEmpty();
    assertThat(Values.attributes(null).size()).isZero();
  }
}
