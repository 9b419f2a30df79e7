package dev.assay.sdk;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The on-disk last-known-good payload of an {@link AssayClient}: read once when the client starts
 * (on its sync thread, never in {@code build()}), rewritten atomically after each change. Failures
 * are logged and never thrown: a client without a readable cache still serves.
 */
final class PayloadCache {

  private static final Logger LOG = Logger.getLogger(PayloadCache.class.getName());

  private final Path file;

  PayloadCache(Path file) {
    this.file = file;
  }

  Path file() {
    return file;
  }

  /** The cached payload, if the file exists and can be read. */
  Optional<String> read() {
    if (!Files.isRegularFile(file)) {
      return Optional.empty();
    }
    try {
      return Optional.of(Files.readString(file, StandardCharsets.UTF_8));
    } catch (IOException e) {
      LOG.log(Level.WARNING, "cannot read the Assay cache file " + file, e);
      return Optional.empty();
    }
  }

  /** Replaces the cached payload: written to a temporary file beside it, then moved over it. */
  void write(String json) {
    try {
      Path dir = file.toAbsolutePath().getParent();
      if (dir != null) {
        Files.createDirectories(dir);
      }
      Path tmp = Files.createTempFile(dir, ".assay-cache", ".tmp");
      Files.writeString(tmp, json, StandardCharsets.UTF_8);
      try {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException | UncheckedIOException e) {
      LOG.log(Level.WARNING, "cannot write the Assay cache file " + file, e);
    }
  }
}
