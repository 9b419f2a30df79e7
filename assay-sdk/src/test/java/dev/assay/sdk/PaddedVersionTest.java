package dev.assay.sdk;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The version operators' padding ({@code $veq}, {@code $vgt}, …) against GrowthBook's
 * {@code paddedVersionString} run in Node on awkward inputs (empty parts, build metadata, leading
 * "v", non-ASCII digits, non-string values); see {@code padded-version-vectors.json}.
 */
class PaddedVersionTest {

  @SuppressWarnings("unchecked")
  static Stream<Arguments> cases() throws IOException {
    try (InputStream in = PaddedVersionTest.class.getResourceAsStream("padded-version-vectors.json")) {
      Map<String, Object> root = new ObjectMapper().readValue(in, Map.class);
      List<Arguments> out = new ArrayList<>();
      for (Map<String, Object> c : (List<Map<String, Object>>) root.get("cases")) {
        out.add(Arguments.of(c.get("input"), c.get("padded")));
      }
      return out.stream();
    }
  }

  @ParameterizedTest(name = "[{0}] -> [{1}]")
  @MethodSource("cases")
  void paddedVersion_matchesGrowthBookJavaScript(Object input, String expected) {
    assertThat(JsSemantics.paddedVersion(input)).isEqualTo(expected);
  }
}
