package dev.assay.server.ascode;

import java.util.Objects;

/**
 * One submitted or exported file: its path (as the client names it, used in messages) and its
 * text, YAML or JSON by the path's extension.
 */
public record AsCodeFile(String path, String content) {
  public AsCodeFile {
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(content, "content");
  }
}
