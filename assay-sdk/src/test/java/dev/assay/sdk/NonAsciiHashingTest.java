package dev.assay.sdk;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Hashing of non-ASCII ids (accents, CJK, Cyrillic, Arabic, combining marks, emoji as surrogate
 * pairs) against values computed outside this SDK by the GrowthBook JavaScript hash (FNV-1a 32 over
 * {@code charCodeAt}), see {@code non-ascii-hash-vectors.json} and the script next to it. A hash
 * over UTF-8 bytes or over code points instead of UTF-16 code units fails these.
 */
class NonAsciiHashingTest {

  private static final JsonNode VECTORS = load();

  private static JsonNode load() {
    try (InputStream in = NonAsciiHashingTest.class.getResourceAsStream("non-ascii-hash-vectors.json")) {
      if (in == null) {
        throw new IllegalStateException("non-ascii-hash-vectors.json not on the test classpath");
      }
      return new ObjectMapper().readTree(in);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  static Stream<Arguments> hashCases() {
    List<Arguments> out = new ArrayList<>();
    for (JsonNode c : VECTORS.get("cases")) {
      out.add(Arguments.of(c.get("seed").asText(), c.get("value").asText(), c.get("version").asInt(),
          c.get("utf16Length").asInt(), c.get("expected").asDouble()));
    }
    return out.stream();
  }

  static Stream<Arguments> namespaceCases() {
    List<Arguments> out = new ArrayList<>();
    for (JsonNode c : VECTORS.get("namespaceHashes")) {
      out.add(Arguments.of(c.get("namespace").asText(), c.get("value").asText(), c.get("expected").asDouble()));
    }
    return out.stream();
  }

  @ParameterizedTest(name = "hash(seed={0}, value={1}, v{2})")
  @MethodSource("hashCases")
  void hash_nonAsciiValue_matchesJavaScriptReference(String seed, String value, int version, int utf16Length,
      double expected) {
    // The vector file survived the round trip through JSON and UTF-8 intact.
    assertThat(value.length()).isEqualTo(utf16Length);

    assertThat(Hashing.hash(seed, value, version)).isEqualTo(expected);
  }

  @ParameterizedTest(name = "namespace {0}, value {1}")
  @MethodSource("namespaceCases")
  void inNamespace_nonAsciiValue_usesJavaScriptNamespaceHash(String namespace, String value, double expected) {
    // A unit is in [start, end) exactly when the reference hash is; probe both edges of the hash.
    Bucketing.Namespace from = new Bucketing.Namespace(namespace, expected, 1.0);
    Bucketing.Namespace justAbove = new Bucketing.Namespace(namespace, expected + 0.0005, 1.0);
    Bucketing.Namespace below = new Bucketing.Namespace(namespace, 0.0, expected);

    assertThat(Bucketing.inNamespace(value, from)).isTrue();
    assertThat(Bucketing.inNamespace(value, justAbove)).isFalse();
    assertThat(Bucketing.inNamespace(value, below)).isFalse();
  }

  @Test
  void vectors_includeSurrogatePairs() {
    boolean anySurrogate = false;
    for (JsonNode c : VECTORS.get("cases")) {
      String v = c.get("value").asText();
      anySurrogate |= v.chars().anyMatch(ch -> Character.isSurrogate((char) ch));
    }
    assertThat(anySurrogate).isTrue();
  }

  @Test
  void run_emojiUserId_bucketIsJavaScriptHashThroughPublicApi() {
    // "👍emoji" is two UTF-16 code units for the emoji plus five ASCII ones.
    JsonNode c = find("exp-1", "👍emoji", 2);
    Experiment exp = Experiment.builder("exp-1", List.of("a", "b")).hashVersion(2).seed("exp-1").build();

    ExperimentResult r = ExperimentClient.builder().build().run(exp, Attributes.of("id", "👍emoji"));

    assertThat(r.inExperiment()).isTrue();
    assertThat(r.bucket()).hasValue(c.get("expected").asDouble());
    assertThat(r.variationId()).isEqualTo(c.get("expected").asDouble() < 0.5 ? 0 : 1);
  }

  @Test
  void evaluate_cjkUserIdInRollout_followsJavaScriptHash() {
    // Rollout of coverage x includes the unit iff hash <= x (GrowthBook's isIncludedInRollout).
    double h = find("种子", "用户42", 1).get("expected").asDouble();
    String payload = "{\"features\":{"
        + "\"in\":{\"defaultValue\":false,\"rules\":[{\"force\":true,\"coverage\":" + h
        + ",\"seed\":\"种子\",\"hashVersion\":1}]},"
        + "\"out\":{\"defaultValue\":false,\"rules\":[{\"force\":true,\"coverage\":" + (h - 0.001)
        + ",\"seed\":\"种子\",\"hashVersion\":1}]}}}";
    ExperimentClient client = ExperimentClient.builder().payload(payload).build();
    Attributes user = Attributes.of("id", "用户42");

    assertThat(client.isOn("in", user)).isTrue();
    assertThat(client.isOn("out", user)).isFalse();
  }

  private static JsonNode find(String seed, String value, int version) {
    for (JsonNode c : VECTORS.get("cases")) {
      if (c.get("seed").asText().equals(seed) && c.get("value").asText().equals(value)
          && c.get("version").asInt() == version) {
        return c;
      }
    }
    throw new AssertionError("no vector for " + Map.of("seed", seed, "value", value, "version", version));
  }
}
