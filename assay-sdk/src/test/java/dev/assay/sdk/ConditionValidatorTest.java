package dev.assay.sdk;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Configuration-time checks of conditions with the evaluator's own compiler, in strict mode. */
class ConditionValidatorTest {

  @ParameterizedTest
  @ValueSource(strings = {
      "{}",
      "{\"country\":\"NL\"}",
      "{\"country\":{\"$ini\":[\"nl\",\"be\"]}}",
      "{\"country\":{\"$nini\":[\"us\"]}}",
      "{\"email\":{\"$regexi\":\"@EXAMPLE\\\\.com$\"}}",
      "{\"tags\":{\"$alli\":[\"A\",\"b\"]}}",
      "{\"$or\":[{\"age\":{\"$gte\":18}},{\"$and\":[{\"plan\":\"pro\"},{\"$not\":{\"beta\":true}}]}]}",
      "{\"$nor\":[{\"country\":\"US\"}]}",
      "{\"orders\":{\"$elemMatch\":{\"total\":{\"$gt\":100}}}}",
      "{\"id\":{\"$inGroup\":\"beta-users\"}}",
      "{\"appVersion\":{\"$vgte\":\"1.2.0\",\"$vlt\":\"2.0.0\"}}",
      "{\"tags\":{\"$size\":{\"$gt\":2}}}",
      "{\"name\":{\"$exists\":true,\"$type\":\"string\"}}"})
  void validate_everyOperatorTheEvaluatorKnows_accepted(String condition) {
    assertThatCode(() -> ConditionValidator.validate(condition, "condition")).doesNotThrowAnyException();
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "{\"country\":{\"$within\":[1]}}|condition.country.$within",
      "{\"email\":{\"$regex\":\"(\"}}|condition.email.$regex",
      "{\"email\":{\"$regexi\":\"[\"}}|condition.email.$regexi",
      "{\"country\":{\"$in\":\"NL\"}}|condition.country.$in",
      "{\"tags\":{\"$all\":5}}|condition.tags.$all",
      "{\"$xor\":[{\"a\":1}]}|condition.$xor",
      "{\"$or\":{\"a\":1}}|condition.$or",
      "{\"name\":{\"$type\":\"date\"}}|condition.name.$type",
      "{\"name\":{\"$exists\":1}}|condition.name.$exists",
      "{\"id\":{\"$inGroup\":[\"x\"]}}|condition.id.$inGroup",
      "{\"a\":{\"$not\":{\"$nope\":1}}}|condition.a.$not.$nope",
      "[1]|condition"})
  void validate_whatTheEvaluatorWouldNotMatch_rejectedNamingThePath(String condition, String path) {
    assertThatThrownBy(() -> ConditionValidator.validate(condition, "condition"))
        .isInstanceOfSatisfying(PayloadException.class, e -> org.assertj.core.api.Assertions.assertThat(e.jsonPath())
            .isEqualTo(path));
  }

  @org.junit.jupiter.api.Test
  void validate_deeperThanTheLimit_rejected() {
    String deep = "{\"$not\":".repeat(40) + "{\"a\":1}" + "}".repeat(40);
    assertThatThrownBy(() -> ConditionValidator.validate(deep, "condition"))
        .isInstanceOf(PayloadException.class).hasMessageContaining("nested more than");
  }
}
