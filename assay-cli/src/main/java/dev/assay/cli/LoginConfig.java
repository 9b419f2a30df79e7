package dev.assay.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import java.util.Set;

/**
 * The file {@code assay login} writes: {@code $XDG_CONFIG_HOME/assay/config.json}, else
 * {@code ~/.config/assay/config.json}, holding {@code {"server", "token", "project"}}. The
 * directory is created 0700 and the file 0600 (on POSIX file systems), written to a temporary
 * file beside it and moved into place, so a reader never sees half a file.
 *
 * @param server the server's base URL
 * @param token the API key
 * @param project the project commands use when none is given, if one was chosen at login
 */
record LoginConfig(String server, String token, Optional<String> project) {
  static final String FILE = "config.json";
  private static final Set<PosixFilePermission> DIR_MODE = PosixFilePermissions.fromString("rwx------");
  private static final Set<PosixFilePermission> FILE_MODE = PosixFilePermissions.fromString("rw-------");

  /** Where the file is for this environment. */
  static Path location(CliContext context) {
    Path base = context.env("XDG_CONFIG_HOME").map(Path::of)
        .orElseGet(() -> Path.of(context.env("HOME").orElse(System.getProperty("user.home")), ".config"));
    return base.resolve("assay").resolve(FILE);
  }

  /** The stored login, or empty when there is none; a file that cannot be read is an error. */
  static Optional<LoginConfig> read(Path file) {
    JsonNode tree;
    try {
      tree = JsonFiles.MAPPER.readTree(Files.readString(file));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (JsonProcessingException e) {
      throw new CliInputException(file + " is not valid JSON (" + JsonFiles.message(e)
          + "); run assay login again or delete it");
    } catch (IOException e) {
      throw new CliInputException("cannot read " + file + ": " + e.getMessage());
    }
    if (tree == null || !tree.path("server").isTextual() || !tree.path("token").isTextual()) {
      throw new CliInputException(file + " lacks 'server' or 'token'; run assay login again");
    }
    Optional<String> project = tree.path("project").isTextual()
        ? Optional.of(tree.path("project").asText()) : Optional.empty();
    return Optional.of(new LoginConfig(tree.path("server").asText(), tree.path("token").asText(), project));
  }

  /** Writes this login to {@code file}, atomically, readable by its owner only. */
  void write(Path file) {
    ObjectNode o = JsonFiles.MAPPER.createObjectNode().put("server", server).put("token", token);
    project.ifPresent(p -> o.put("project", p));
    Path dir = file.toAbsolutePath().getParent();
    try {
      createPrivateDirectory(dir);
      Path tmp = dir.resolve(FILE + ".tmp");
      Files.deleteIfExists(tmp);
      if (posix(dir)) {
        Files.createFile(tmp, PosixFilePermissions.asFileAttribute(FILE_MODE));
      } else {
        Files.createFile(tmp);
      }
      Files.writeString(tmp, JsonFiles.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(o) + "\n");
      try {
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      throw new CliFailure("cannot write " + file + ": " + e.getMessage(), e);
    }
  }

  /** Removes the stored login; true when there was one. */
  static boolean delete(Path file) {
    try {
      return Files.deleteIfExists(file);
    } catch (IOException e) {
      throw new CliFailure("cannot delete " + file + ": " + e.getMessage(), e);
    }
  }

  private static void createPrivateDirectory(Path dir) throws IOException {
    if (Files.isDirectory(dir)) {
      if (posix(dir)) {
        Files.setPosixFilePermissions(dir, DIR_MODE);
      }
      return;
    }
    Files.createDirectories(dir.getParent());
    try {
      if (posix(dir.getParent())) {
        Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(DIR_MODE));
      } else {
        Files.createDirectory(dir);
      }
    } catch (FileAlreadyExistsException e) {
      // created meanwhile by another assay login; the mode is set below
    }
    if (posix(dir)) {
      Files.setPosixFilePermissions(dir, DIR_MODE);
    }
  }

  private static boolean posix(Path p) {
    return p.getFileSystem().supportedFileAttributeViews().contains("posix");
  }

  @Override
  public String toString() {
    return "LoginConfig[server=" + server + ", token=(hidden), project=" + project + "]";
  }
}
