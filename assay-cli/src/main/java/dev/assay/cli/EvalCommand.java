package dev.assay.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.assay.sdk.Attributes;
import dev.assay.sdk.ExperimentClient;
import dev.assay.sdk.ExperimentResult;
import dev.assay.sdk.FeatureResult;
import dev.assay.sdk.PayloadException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code assay eval}: evaluates features of a GrowthBook-compatible payload for one user (or for
 * each user of an NDJSON file) with the same engine the SDK uses, and prints the results as JSON.
 */
@Command(
    name = "eval",
    mixinStandardHelpOptions = true,
    description = {
      "Evaluate the features of an SDK payload for a user, with the SDK's own engine.",
      "Prints, per feature: value, source (defaultValue, force, experiment, prerequisite, ...),"
          + " the matching rule id and, for experiment rules, the assignment.",
    },
    footer = {
      "",
      "Examples:",
      "  assay eval --payload examples/payload.json --attributes '{\"id\":\"user-42\",\"country\":\"US\"}'",
      "  assay eval --payload examples/payload.json --feature button-colour --attributes-file users.ndjson",
      "",
      "Exit codes: 0 success, 2 bad input (unreadable payload, invalid JSON, unknown feature).",
    })
final class EvalCommand implements Callable<Integer> {

  private static final ObjectMapper MAPPER =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  private static final ObjectMapper COMPACT = new ObjectMapper();

  @Spec CommandSpec spec;

  @Option(
      names = "--payload",
      required = true,
      paramLabel = "FILE|URL",
      description = "SDK payload JSON ({\"features\": {...}}): a file, or an http(s) URL such as"
          + " http://localhost:8080/api/features/CLIENT_KEY.")
  String payload;

  @ArgGroup(exclusive = true, multiplicity = "0..1")
  Users users = new Users();

  static final class Users {
    @Option(
        names = "--attributes",
        paramLabel = "JSON",
        description = "The user's attributes as a JSON object, e.g. '{\"id\":\"u1\"}'. Default: {}.")
    String attributesJson;

    @Option(
        names = "--attributes-file",
        paramLabel = "FILE",
        description = "NDJSON file, one attributes object per line; prints one result line each.")
    Path attributesFile;
  }

  @Option(
      names = {"-f", "--feature"},
      paramLabel = "KEY",
      description = "Feature to evaluate (repeatable). Default: every feature in the payload.")
  List<String> features = new ArrayList<>();

  @Option(
      names = "--decryption-key",
      paramLabel = "KEY",
      description = "Base64 AES key for an encrypted payload (encryptedFeatures).")
  String decryptionKey;

  @Override
  public Integer call() throws IOException {
    ExperimentClient client = loadClient();
    for (String f : features) {
      if (!client.featureKeys().contains(f)) {
        throw new CliInputException(
            "--feature: no feature '" + f + "' in " + payload + "; it has " + client.featureKeys());
      }
    }
    PrintWriter out = spec.commandLine().getOut();
    if (users.attributesFile != null) {
      evalFile(client, out);
    } else {
      Attributes attributes = parseAttributes(users.attributesJson, "--attributes");
      out.println(MAPPER.writeValueAsString(evaluate(client, attributes, true)));
    }
    out.flush();
    return 0;
  }

  private ExperimentClient loadClient() throws IOException {
    String json = isUrl(payload) ? PayloadUrl.fetch("--payload", payload) : readFile(payload);
    try {
      ExperimentClient.Builder b = ExperimentClient.builder().payload(json);
      if (decryptionKey != null) {
        b.decryptionKey(decryptionKey);
      }
      return b.build();
    } catch (PayloadException e) {
      throw new CliInputException("--payload: " + payload + ": " + e.getMessage());
    }
  }

  private static boolean isUrl(String s) {
    return s.startsWith("http://") || s.startsWith("https://");
  }

  private static String readFile(String file) {
    try {
      return Files.readString(Path.of(file), StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new CliInputException("--payload: file not found: " + file);
    } catch (IOException | java.nio.file.InvalidPathException e) {
      throw new CliInputException("--payload: cannot read " + file + ": " + e.getMessage());
    }
  }

  private void evalFile(ExperimentClient client, PrintWriter out) throws IOException {
    Path file = users.attributesFile;
    if (!Files.isRegularFile(file)) {
      throw new CliInputException("--attributes-file: file not found: " + file);
    }
    try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String line;
      int lineNo = 0;
      while ((line = in.readLine()) != null) {
        lineNo++;
        if (line.isBlank()) {
          continue;
        }
        Attributes attributes = parseAttributes(line, "--attributes-file line " + lineNo);
        out.println(COMPACT.writeValueAsString(evaluate(client, attributes, true)));
      }
    }
  }

  private static Attributes parseAttributes(String json, String where) {
    if (json == null) {
      return Attributes.empty();
    }
    JsonNode node;
    try {
      node = COMPACT.readTree(json);
    } catch (JsonProcessingException e) {
      throw new CliInputException(where + ": not valid JSON: " + JsonFiles.message(e));
    }
    if (node == null || !node.isObject()) {
      throw new CliInputException(
          where + ": must be a JSON object of attributes, e.g. {\"id\":\"user-42\"}");
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> map = COMPACT.convertValue(node, Map.class);
    return Attributes.fromMap(map);
  }

  private ObjectNode evaluate(ExperimentClient client, Attributes attributes, boolean echo) {
    ObjectNode root = JsonNodeFactory.instance.objectNode();
    if (echo) {
      root.set("attributes", COMPACT.valueToTree(attributes.asMap()));
    }
    ObjectNode results = root.putObject("features");
    if (features.isEmpty()) {
      client.evaluateAll(attributes).forEach((k, r) -> results.set(k, toJson(r)));
    } else {
      for (String f : features) {
        results.set(f, toJson(client.evaluate(f, attributes)));
      }
    }
    return root;
  }

  private static ObjectNode toJson(FeatureResult r) {
    ObjectNode n = JsonNodeFactory.instance.objectNode();
    n.set("value", COMPACT.valueToTree(r.value().orElse(null)));
    n.put("on", r.on());
    n.put("source", r.source().wireName());
    if (r.ruleId() != null && !r.ruleId().isEmpty()) {
      n.put("ruleId", r.ruleId());
    }
    r.experiment().ifPresent(e -> n.put("experimentKey", e.key()));
    r.experimentResult().ifPresent(e -> n.set("experimentResult", toJson(e)));
    return n;
  }

  private static ObjectNode toJson(ExperimentResult e) {
    ObjectNode n = JsonNodeFactory.instance.objectNode();
    n.put("key", e.key());
    n.put("variationId", e.variationId());
    n.set("value", COMPACT.valueToTree(e.value().orElse(null)));
    n.put("inExperiment", e.inExperiment());
    n.put("hashUsed", e.hashUsed());
    n.put("hashAttribute", e.hashAttribute());
    n.put("hashValue", e.hashValue());
    e.bucket().ifPresent(b -> n.put("bucket", b));
    e.name().ifPresent(name -> n.put("name", name));
    return n;
  }
}
