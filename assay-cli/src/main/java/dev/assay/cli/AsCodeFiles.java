package dev.assay.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.assay.server.ascode.AsCodeFile;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * The files {@code plan} and {@code apply} send: one file, or every {@code *.yaml}, {@code *.yml}
 * and {@code *.json} under a directory (recursively, skipping hidden files and directories),
 * sorted by their path relative to it, with {@code /} as separator on every platform.
 */
final class AsCodeFiles {
  private AsCodeFiles() {}

  static List<AsCodeFile> collect(Path given, String option) {
    if (!Files.exists(given)) {
      throw new CliInputException(option + ": no such file or directory: " + given);
    }
    List<AsCodeFile> files = new ArrayList<>();
    if (Files.isRegularFile(given)) {
      files.add(new AsCodeFile(given.getFileName().toString(), read(given, option)));
      return files;
    }
    List<Path> found;
    try (Stream<Path> walk = Files.walk(given)) {
      found = walk.filter(p -> !p.equals(given))
          .filter(p -> noHiddenPart(given.relativize(p)))
          .filter(Files::isRegularFile)
          .filter(AsCodeFiles::isResourceFile)
          .toList();
    } catch (IOException | java.io.UncheckedIOException e) {
      throw new CliInputException(option + ": cannot list " + given + ": " + e.getMessage());
    }
    for (Path p : found) {
      files.add(new AsCodeFile(relative(given, p), read(p, option)));
    }
    files.sort(java.util.Comparator.comparing(AsCodeFile::path));
    if (files.isEmpty()) {
      throw new CliInputException(option + ": no *.yaml, *.yml or *.json files under " + given);
    }
    return files;
  }

  /** The request body {@code {"files": [{"path", "content"}]}}. */
  static ObjectNode body(List<AsCodeFile> files) {
    ObjectNode body = JsonFiles.MAPPER.createObjectNode();
    ArrayNode list = body.putArray("files");
    files.forEach(f -> list.addObject().put("path", f.path()).put("content", f.content()));
    return body;
  }

  static boolean isResourceFile(Path p) {
    String name = p.getFileName().toString().toLowerCase(Locale.ROOT);
    return name.endsWith(".yaml") || name.endsWith(".yml") || name.endsWith(".json");
  }

  private static boolean noHiddenPart(Path relative) {
    for (Path part : relative) {
      if (part.toString().startsWith(".")) {
        return false;
      }
    }
    return true;
  }

  private static String relative(Path dir, Path file) {
    List<String> parts = new ArrayList<>();
    dir.relativize(file).forEach(p -> parts.add(p.toString()));
    return String.join("/", parts);
  }

  private static String read(Path file, String option) {
    try {
      byte[] bytes = Files.readAllBytes(file);
      return StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(bytes)).toString();
    } catch (CharacterCodingException e) {
      throw new CliInputException(option + ": " + file + " is not UTF-8 text");
    } catch (IOException e) {
      throw new CliInputException(option + ": cannot read " + file + ": " + e.getMessage());
    }
  }
}
