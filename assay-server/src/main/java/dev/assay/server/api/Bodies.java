package dev.assay.server.api;

import dev.assay.server.domain.DomainException;
import io.helidon.webserver.http.ServerRequest;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Optional;

/** Reading request bodies with a bound, the same way on every route. */
final class Bodies {
  private Bodies() {}

  /**
   * The body, at most {@code max} bytes; empty when it is larger (a chunked body has no declared
   * length, so the bound is checked while reading).
   *
   * @throws DomainException invalid ({@code unreadable_body}) when the body cannot be read
   */
  static Optional<byte[]> read(ServerRequest req, int max) {
    if (!req.content().hasEntity()) {
      return Optional.of(new byte[0]);
    }
    try (InputStream in = req.content().inputStream()) {
      byte[] bytes = in.readNBytes(max + 1);
      return bytes.length > max ? Optional.empty() : Optional.of(bytes);
    } catch (IOException | RuntimeException e) {
      throw new DomainException(DomainException.Category.INVALID, "unreadable_body", "request body could not be read",
          List.of());
    }
  }

  /** Whether the declared length is over {@code max}. */
  static boolean declaredOver(ServerRequest req, long max) {
    var length = req.headers().contentLength();
    return length.isPresent() && length.getAsLong() > max;
  }
}
