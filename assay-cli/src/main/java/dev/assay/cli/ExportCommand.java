package dev.assay.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code assay export -o DIR}: writes the project's resources as files that {@code apply}
 * re-applies with no change. A file that exists with other content is not overwritten without
 * {@code --force}: then nothing is written and the command names those files. Files in DIR that
 * the export does not produce are left alone.
 */
@Command(name = "export", mixinStandardHelpOptions = true,
    description = {"Write the project's resources as files that re-apply with no change.",
        "Existing files with other content are kept unless --force; other files in DIR are left alone."},
    footer = {"", "Examples:", "  assay export -o config/ --project demo",
        "  assay export -o config/ --force && git diff config/"})
final class ExportCommand extends RemoteCommand {
  @Option(names = {"-o", "--output-dir"}, required = true, paramLabel = "DIR", description = "Directory to write into (created if missing).")
  Path dir;

  @Option(names = "--force", description = "Overwrite files whose content differs from the export.")
  boolean force;

  @Override
  public Integer call() {
    JsonNode answer = client().get("/as-code/export");
    Map<Path, String> files = new LinkedHashMap<>();
    for (JsonNode f : answer.path("files")) {
      files.put(target(f.path("path").asText()), f.path("content").asText());
    }
    List<String> conflicts = new ArrayList<>();
    List<Path> unchanged = new ArrayList<>();
    for (Map.Entry<Path, String> f : files.entrySet()) {
      String existing = existing(f.getKey());
      if (existing != null && existing.equals(f.getValue())) {
        unchanged.add(f.getKey());
      } else if (existing != null && !force) {
        conflicts.add(dir.relativize(f.getKey()).toString());
      }
    }
    if (!conflicts.isEmpty()) {
      throw new CliFailure("not overwriting " + conflicts.size() + " changed file(s) in " + dir + " (use --force): "
          + String.join(", ", conflicts));
    }
    if (remote.json()) {
      printJson(answer);
    }
    int written = 0;
    for (Map.Entry<Path, String> f : files.entrySet()) {
      if (unchanged.contains(f.getKey())) {
        continue;
      }
      write(f.getKey(), f.getValue());
      written++;
      if (!remote.json()) {
        out().println("wrote " + f.getKey());
      }
    }
    if (!remote.json()) {
      out().println("Exported project " + client().project() + " to " + dir + ": " + written + " written, "
          + unchanged.size() + " unchanged.");
    }
    out().flush();
    return 0;
  }

  /** The file a server path maps to, refusing one that would land outside DIR. */
  private Path target(String path) {
    Path base = dir.toAbsolutePath().normalize();
    Path p = base.resolve(path).normalize();
    if (path.isEmpty() || !p.startsWith(base) || p.equals(base)) {
      throw new CliFailure("the server's export names the path '" + path + "', which is not inside " + dir);
    }
    return dir.resolve(path).normalize();
  }

  private static String existing(Path file) {
    try {
      return Files.isRegularFile(file) ? Files.readString(file, StandardCharsets.UTF_8) : null;
    } catch (IOException e) {
      return "";
    }
  }

  private static void write(Path file, String content) {
    try {
      Path parent = file.toAbsolutePath().getParent();
      Files.createDirectories(parent);
      Path tmp = parent.resolve("." + file.getFileName() + ".tmp");
      Files.writeString(tmp, content, StandardCharsets.UTF_8);
      Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new CliFailure("cannot write " + file + ": " + e.getMessage(), e);
    }
  }
}
