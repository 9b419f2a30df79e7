package dev.assay.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Malformed payloads are rejected with a {@link PayloadException} whose JSON path points at the
 * offending value and whose message says what was wrong, so an operator can find and fix it.
 */
class PayloadErrorsTest {

  private static PayloadException reject(String payload) {
    PayloadException e = catchThrowableOfType(PayloadException.class,
        () -> ExperimentClient.builder().payload(payload).build());
    assertThat(e).as("payload should be rejected: %s", payload).isNotNull();
    return e;
  }

  // ---- malformed JSON ------------------------------------------------------------------------

  @Test
  void truncatedJson_rejectedAtRootWithPosition() {
    PayloadException e = reject("{\"features\":{\"f\":{\"defaultValue\":true}");

    assertThat(e.jsonPath()).isEqualTo("$");
    assertThat(e.getMessage()).startsWith("at $: malformed JSON").contains("line 1, column");
  }

  @Test
  void syntaxErrorOnLaterLine_reportsThatLine() {
    PayloadException e = reject("{\n  \"features\": {\n    \"f\": {\"defaultValue\": tru}\n  }\n}");

    assertThat(e.getMessage()).contains("malformed JSON").contains("line 3");
  }

  @Test
  void emptyDocument_rejected() {
    assertThat(reject("").getMessage()).contains("empty document");
    assertThat(reject("   \n ").getMessage()).contains("empty document");
  }

  @Test
  void trailingContent_rejected() {
    PayloadException e = reject("{\"features\":{}} {\"features\":{}}");

    assertThat(e.jsonPath()).isEqualTo("$");
    assertThat(e.getMessage()).contains("unexpected content after the JSON value");
  }

  @Test
  void singleQuotesAndComments_notJson() {
    assertThat(reject("{'features':{}}").getMessage()).contains("malformed JSON");
    assertThat(reject("{\"features\":{} // comment\n}").getMessage()).contains("malformed JSON");
  }

  @Test
  void deeplyNestedCondition_rejectedNotStackOverflow() {
    String deep = "{\"a\":".repeat(500) + "1" + "}".repeat(500);
    PayloadException e = reject("{\"features\":{\"f\":{\"rules\":[{\"condition\":" + deep + "}]}}}");

    assertThat(e.getMessage()).contains("malformed JSON");
  }

  // ---- wrong types, with the JSON path of the offending value --------------------------------

  static Stream<Arguments> wrongTypes() {
    return Stream.of(
        Arguments.of("[]", "$", "expected an object, got array"),
        Arguments.of("\"features\"", "$", "expected an object, got string"),
        Arguments.of("{\"features\":[]}", "$.features", "expected an object, got array"),
        Arguments.of("{\"features\":{\"checkout\":3}}", "$.features.checkout", "expected an object, got number"),
        Arguments.of("{\"features\":{\"checkout\":{\"rules\":{}}}}", "$.features.checkout.rules",
            "expected an array, got object"),
        Arguments.of("{\"features\":{\"checkout\":{\"rules\":[{},\"x\"]}}}", "$.features.checkout.rules[1]",
            "expected an object, got string"),
        Arguments.of("{\"features\":{\"f\":{\"rules\":[{\"force\":1,\"coverage\":\"half\"}]}}}",
            "$.features.f.rules[0].coverage", "expected a number, got string"),
        Arguments.of("{\"features\":{\"f\":{\"rules\":[{\"force\":1,\"hashVersion\":1.5}]}}}",
            "$.features.f.rules[0].hashVersion", "expected an integer, got 1.5"),
        Arguments.of("{\"features\":{\"f\":{\"rules\":[{\"force\":1,\"hashAttribute\":true}]}}}",
            "$.features.f.rules[0].hashAttribute", "expected a string, got boolean"),
        Arguments.of("{\"features\":{\"f\":{\"rules\":[{\"force\":1,\"disableStickyBucketing\":\"no\"}]}}}",
            "$.features.f.rules[0].disableStickyBucketing", "expected true or false, got string"),
        Arguments.of("{\"features\":{\"f\":{\"rules\":[{\"force\":1,\"range\":[0.5]}]}}}",
            "$.features.f.rules[0].range", "a range must be [start, end]"),
        Arguments.of("{\"features\":{\"f\":{\"rules\":[{\"force\":1,\"range\":[0.8,0.2]}]}}}",
            "$.features.f.rules[0].range", "0 <= start <= end <= 1"),
        Arguments.of("{\"features\":{\"f\":{\"rules\":[{\"force\":1,\"range\":[0,\"1\"]}]}}}",
            "$.features.f.rules[0].range[1]", "expected a number, got string"),
        Arguments.of("{\"features\":{\"f\":{\"rules\":[{\"condition\":[1],\"force\":1}]}}}",
            "$.features.f.rules[0].condition", "condition must be an object"),
        Arguments.of("{\"features\":{\"f\":{\"rules\":[{\"condition\":{\"$or\":{}},\"force\":1}]}}}",
            "$.features.f.rules[0].condition.$or", "expected an array of conditions, got object"),
        Arguments.of("{\"features\":{\"f\":{\"rules\":[{\"condition\":{\"$and\":[{},7]},\"force\":1}]}}}",
            "$.features.f.rules[0].condition.$and[1]", "expected a condition object, got number"),
        Arguments.of("{\"features\":{\"f\":{\"rules\":[{\"variations\":{\"a\":1}}]}}}",
            "$.features.f.rules[0].variations", "expected an array, got object"),
        Arguments.of("{\"features\":{\"f\":{\"rules\":[{\"variations\":[0,1],\"weights\":[0.5,-0.5]}]}}}",
            "$.features.f.rules[0].weights[1]", "a weight must be a number >= 0"),
        Arguments.of("{\"features\":{\"f\":{\"rules\":[{\"variations\":[0,1],\"weights\":[0.5,\"x\"]}]}}}",
            "$.features.f.rules[0].weights[1]", "expected a number, got string"),
        Arguments.of("{\"features\":{\"f\":{\"rules\":[{\"variations\":[0,1],\"namespace\":[\"ns\",0]}]}}}",
            "$.features.f.rules[0].namespace", "a namespace must be [id, start, end]"),
        Arguments.of("{\"features\":{\"f\":{\"rules\":[{\"variations\":[0,1],\"meta\":[{\"key\":{}}]}]}}}",
            "$.features.f.rules[0].meta[0].key", "expected a string, got object"),
        Arguments.of("{\"features\":{\"f\":{\"rules\":[{\"force\":1,\"parentConditions\":[{\"condition\":{}}]}]}}}",
            "$.features.f.rules[0].parentConditions[0].id", "needs the id of its parent feature"),
        Arguments.of("{\"features\":{\"f\":{\"rules\":[{\"force\":1,\"filters\":[{\"ranges\":[[0,2]]}]}]}}}",
            "$.features.f.rules[0].filters[0].ranges[0]", "0 <= start <= end <= 1"),
        Arguments.of("{\"features\":{},\"savedGroups\":{\"vips\":\"u1\"}}", "$.savedGroups.vips",
            "expected an array, got string"),
        Arguments.of("{\"features\":{},\"dateUpdated\":{}}", "$.dateUpdated", "expected a string, got object"),
        Arguments.of("{\"encryptedFeatures\":\"abc.def\"}", "$.encryptedFeatures", "no decryption key"));
  }

  @ParameterizedTest(name = "{1}")
  @MethodSource("wrongTypes")
  void wrongType_rejectedWithJsonPathAndReason(String payload, String path, String reason) {
    PayloadException e = reject(payload);

    assertThat(e.jsonPath()).isEqualTo(path);
    assertThat(e.getMessage()).startsWith("at " + path + ": ").contains(reason);
  }

  @Test
  void featureKeyWithDots_appearsVerbatimInPath() {
    PayloadException e = reject("{\"features\":{\"checkout.v2\":{\"rules\":[{\"force\":1,\"coverage\":[]}]}}}");

    assertThat(e.jsonPath()).isEqualTo("$.features.checkout.v2.rules[0].coverage");
  }

  @Test
  void experimentFromJson_wrongType_namesField() {
    assertThatThrownBy(() -> Experiment.fromJson("{\"key\":\"e\",\"variations\":[0,1],\"coverage\":\"all\"}"))
        .isInstanceOf(PayloadException.class)
        .hasMessage("at $.coverage: expected a number, got string");
    assertThatThrownBy(() -> Experiment.fromJson("{\"key\":\"e\"}"))
        .isInstanceOf(PayloadException.class)
        .hasMessage("at $.variations: an experiment needs variations");
    assertThatThrownBy(() -> Experiment.fromJson("{\"key\":"))
        .isInstanceOf(PayloadException.class)
        .hasMessageStartingWith("at $: malformed JSON");
  }

  @Test
  void validPayloadWithUnknownFields_accepted() {
    // Forward compatibility: fields a newer server adds must not break an older SDK.
    ExperimentClient client = ExperimentClient.builder()
        .payload("{\"features\":{\"f\":{\"defaultValue\":1,\"someNewField\":{\"x\":[1]}}},\"newTopLevel\":true}")
        .build();

    assertThat(client.getLong("f", Attributes.empty(), 0)).isEqualTo(1);
  }
}
