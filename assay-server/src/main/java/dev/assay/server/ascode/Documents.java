package dev.assay.server.ascode;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.assay.server.domain.DomainException.Detail;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Reads files into documents: YAML ({@code .yaml}, {@code .yml}; several documents separated by
 * {@code ---}) or JSON ({@code .json}, one document). A syntax error is reported with its line and
 * column; duplicate keys are errors; a document's kind is its {@code kind} or, without one, an
 * experiment when it has {@code variants}.
 */
final class Documents {
  /** Largest file read, in code points: SnakeYAML's default (3 Mi) is below what a request may carry. */
  static final int MAX_FILE_CODE_POINTS = 17 << 20;
  private static final ObjectMapper YAML = YAMLMapper.builder(YAMLFactory.builder().loaderOptions(loaderOptions()).build())
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();
  private static final ObjectMapper JSON = new ObjectMapper()
      .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
  /** Files a submission may hold, and documents in all. */
  static final int MAX_FILES = 5_000;
  static final int MAX_DOCUMENTS = 20_000;

  private Documents() {}

  /* Aliases stay bounded (SnakeYAML's default of 50 per collection: no "billion laughs"). */
  private static org.yaml.snakeyaml.LoaderOptions loaderOptions() {
    org.yaml.snakeyaml.LoaderOptions o = new org.yaml.snakeyaml.LoaderOptions();
    o.setCodePointLimit(MAX_FILE_CODE_POINTS);
    o.setAllowDuplicateKeys(false);
    return o;
  }

  /** The documents of the files, in file order; problems are added to {@code problems}. */
  static List<Document> parse(List<AsCodeFile> files, List<Detail> problems) {
    if (files.size() > MAX_FILES) {
      problems.add(new Detail("files", "at most " + MAX_FILES + " files per submission, got " + files.size()));
      return List.of();
    }
    List<Document> out = new ArrayList<>();
    for (AsCodeFile f : files) {
      List<JsonNode> nodes = read(f, problems);
      /* An empty document (a trailing '---', a file of comments) reads as null or an empty string. */
      List<JsonNode> present = nodes.stream().filter(n -> !n.isNull() && !n.isMissingNode()
          && !(n.isTextual() && n.asText().isEmpty())).toList();
      for (int i = 0; i < present.size(); i++) {
        String where = present.size() > 1 ? f.path() + "#" + (i + 1) + ":" : f.path() + ":";
        JsonNode n = present.get(i);
        if (!(n instanceof ObjectNode o)) {
          problems.add(new Detail(where + "$", "a document must be a mapping (an object), was " + n.getNodeType()
              .name().toLowerCase(Locale.ROOT)));
          continue;
        }
        int index = i + 1;
        kindOf(o, where, problems).ifPresent(k -> out.add(new Document(f.path(), index, present.size() > 1, k, o)));
      }
      if (out.size() > MAX_DOCUMENTS) {
        problems.add(new Detail("files", "at most " + MAX_DOCUMENTS + " documents per submission"));
        return List.of();
      }
    }
    return out;
  }

  private static List<JsonNode> read(AsCodeFile f, List<Detail> problems) {
    String lower = f.path().toLowerCase(Locale.ROOT);
    boolean yaml = lower.endsWith(".yaml") || lower.endsWith(".yml");
    if (!yaml && !lower.endsWith(".json")) {
      problems.add(new Detail(f.path() + ":", "unknown file type: name it .yaml, .yml or .json"));
      return List.of();
    }
    try {
      if (!yaml) {
        return List.of(JSON.readTree(f.content()));
      }
      List<JsonNode> out = new ArrayList<>();
      try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(f.content())) {
        while (it.hasNextValue()) {
          out.add(it.nextValue());
        }
      }
      return out;
    } catch (JsonProcessingException e) {
      problems.add(syntax(f.path(), e));
      return List.of();
    } catch (IOException | RuntimeException e) {
      problems.add(syntax(f.path(), e));
      return List.of();
    }
  }

  private static Detail syntax(String file, Exception e) {
    Throwable cause = e;
    while (!(cause instanceof JsonProcessingException) && cause.getCause() != null) {
      cause = cause.getCause();
    }
    String message = cause instanceof JsonProcessingException j ? j.getOriginalMessage() : String.valueOf(e.getMessage());
    JsonLocation at = cause instanceof JsonProcessingException j ? j.getLocation() : null;
    String first = message == null ? "malformed" : message.strip().lines().findFirst().orElse("malformed");
    if (at != null && at.getLineNr() > 0) {
      return new Detail(file + ":" + at.getLineNr(), "syntax error at line " + at.getLineNr() + ", column "
          + at.getColumnNr() + ": " + first);
    }
    return new Detail(file + ":", "syntax error: " + first);
  }

  private static Optional<DocKind> kindOf(ObjectNode doc, String where, List<Detail> problems) {
    JsonNode kind = doc.get("kind");
    if (kind == null) {
      if (doc.has("variants")) {
        return Optional.of(DocKind.EXPERIMENT);
      }
      problems.add(new Detail(where + "kind", "is required (one of " + DocKind.wires()
          + "); only a document with 'variants' may leave it out (an experiment)"));
      return Optional.empty();
    }
    Optional<DocKind> k = kind.isTextual() ? DocKind.of(kind.asText()) : Optional.empty();
    if (k.isEmpty()) {
      problems.add(new Detail(where + "kind", "must be one of " + DocKind.wires() + ", was " + kind));
    }
    return k;
  }
}
