package dev.assay.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The docs' example conventions as {@link DocsExamplesE2ETest} reads them, without a server. */
class DocExamplesTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static List<String> mismatches(String fragment, String actual) throws Exception {
    JsonNode node = JSON.readTree(actual);
    return JsonFragment.parse(fragment).mismatches(node);
  }

  @Test
  void fragment_ellipsisFieldsAndPrefixStrings_matchAndMismatch() throws Exception {
    String actual = "{\"id\":\"key_1f\",\"name\":\"ci\",\"role\":\"viewer\",\"revoked\":false,\"n\":2.0}";
    assertThat(mismatches("{\"id\":\"key_...\",\"name\":\"ci\",...,\"revoked\":false,\"n\":2}", actual)).isEmpty();
    assertThat(mismatches("{\"id\":\"sdk-...\",...}", actual)).singleElement().asString().contains("$.id");
    assertThat(mismatches("{\"role\":\"admin\",...}", actual)).singleElement().asString().contains("$.role");
    assertThat(mismatches("{\"token\":\"...\",...}", actual)).singleElement().asString().contains("$.token: missing");
    assertThat(mismatches("{\"n\": ..., \"role\": ...}", actual)).isEmpty();
    assertThat(mismatches("{\"count\": ...}", actual)).singleElement().asString().contains("$.count: missing");
  }

  @Test
  void fragment_arrays_exactWithoutEllipsisInOrderSubsetWithIt() throws Exception {
    String actual = "{\"items\":[{\"k\":\"a\"},{\"k\":\"b\"},{\"k\":\"c\"}]}";
    assertThat(mismatches("{\"items\":[{\"k\":\"a\"},...,{\"k\":\"c\"}]}", actual)).isEmpty();
    assertThat(mismatches("{\"items\":[...]}", actual)).isEmpty();
    assertThat(mismatches("{\"items\":[{\"k\":\"c\"},{\"k\":\"a\"},...]}", actual)).hasSize(1);
    assertThat(mismatches("{\"items\":[{\"k\":\"a\"},{\"k\":\"b\"}]}", actual)).hasSize(1);
  }

  @Test
  void fragment_notJson_namesTheText() {
    assertThatThrownBy(() -> JsonFragment.parse("{\"a\":}")).hasMessageContaining("{\"a\":}");
  }

  @Test
  void parse_noRunBlocksAndOtherLanguages_areTold() {
    DocExamples doc = DocExamples.parse("x.md", """
        text
        ```bash no-run
        ./assay serve
        ```
        ```json
        {"a": 1}
        ```
        ```bash
        curl -s localhost:8080/health/live
        ```
        """);
    assertThat(doc.blocks()).extracting(DocExamples.Block::line).containsExactly(2, 8);
    assertThat(doc.runCount()).isEqualTo(1);
    assertThat(doc.noRunCount()).isEqualTo(1);
    assertThatThrownBy(() -> DocExamples.parse("y.md", "```bash\ncurl x\n")).hasMessageContaining("y.md:1");
  }

  @Test
  void instrument_multiLineExpectation_replacedByOneMarker() {
    DocExamples.Block block = new DocExamples.Block(10, true, List.of(
        "curl -s x",
        "# 409 {\"error\":{\"code\":\"version_conflict\",\"message\":\"at version 2, the change was",
        "#   based on version 1\"}}   <- shown once",
        "# an ordinary comment",
        "curl -s y"));
    List<DocExamples.Expectation> expectations = new ArrayList<>();
    List<String> lines = DocExamples.instrument(block, expectations, k -> "MARK " + k);
    assertThat(lines).containsExactly("curl -s x", "MARK 0", "# an ordinary comment", "curl -s y");
    assertThat(expectations).singleElement().satisfies(e -> {
      assertThat(e.line()).isEqualTo(12);
      assertThat(e.status()).isEqualTo(409);
      assertThat(JsonFragment.parse(e.json()).isError()).isTrue();
      assertThat(e.json()).endsWith("based on version 1\"}}");
    });
  }
}
