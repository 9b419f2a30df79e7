package dev.assay.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Reading JSON input files and fields for commands, with errors that name the option and field. */
final class JsonFiles {
  static final ObjectMapper MAPPER = new ObjectMapper();
  /** Input files larger than this are refused (they would not fit a command's purpose). */
  static final long MAX_BYTES = 64L << 20;

  private JsonFiles() {}

  static JsonNode read(Path file, String option) {
    try {
      if (Files.size(file) > MAX_BYTES) {
        throw new CliInputException(option + ": " + file + " is larger than " + (MAX_BYTES >> 20) + " MiB");
      }
      return MAPPER.readTree(file.toFile());
    } catch (NoSuchFileException e) {
      throw new CliInputException(option + ": file not found: " + file);
    } catch (JsonProcessingException e) {
      throw new CliInputException(option + ": " + file + " is not valid JSON: " + message(e)
          + (e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr() + ", column "
              + e.getLocation().getColumnNr()));
    } catch (IOException e) {
      throw new CliInputException(option + ": cannot read " + file + ": " + e.getMessage());
    }
  }

  /** Jackson's message without the placeholder for the (hidden) source it names. */
  static String message(JsonProcessingException e) {
    return String.valueOf(e.getOriginalMessage()).replaceAll("\\[Source: [^;]*; ", "[");
  }

  static JsonNode field(JsonNode parent, String name, String path) {
    JsonNode v = parent.get(name);
    if (v == null || v.isNull()) {
      throw new CliInputException(path + "." + name + ": is required");
    }
    return v;
  }

  static double number(JsonNode parent, String name, String path) {
    JsonNode v = field(parent, name, path);
    if (!v.isNumber()) {
      throw new CliInputException(path + "." + name + ": must be a number, was " + v);
    }
    if (!Double.isFinite(v.asDouble())) {
      throw new CliInputException(path + "." + name + ": must be a finite number, was " + v);
    }
    return v.asDouble();
  }

  static double number(JsonNode parent, String name, String path, double fallback) {
    JsonNode v = parent.get(name);
    return v == null || v.isNull() ? fallback : number(parent, name, path);
  }

  static long count(JsonNode parent, String name, String path) {
    JsonNode v = field(parent, name, path);
    if (!v.canConvertToLong() || !v.isIntegralNumber() && v.asDouble() != Math.rint(v.asDouble()) || v.asLong() < 0) {
      throw new CliInputException(path + "." + name + ": must be a non-negative whole number, was " + v);
    }
    return v.asLong();
  }

  static String text(JsonNode parent, String name, String path, String fallback) {
    JsonNode v = parent.get(name);
    if (v == null || v.isNull()) {
      return fallback;
    }
    if (!v.isTextual()) {
      throw new CliInputException(path + "." + name + ": must be a string, was " + v);
    }
    return v.asText();
  }

  static boolean bool(JsonNode parent, String name, String path, boolean fallback) {
    JsonNode v = parent.get(name);
    if (v == null || v.isNull()) {
      return fallback;
    }
    if (!v.isBoolean()) {
      throw new CliInputException(path + "." + name + ": must be true or false, was " + v);
    }
    return v.asBoolean();
  }
}
