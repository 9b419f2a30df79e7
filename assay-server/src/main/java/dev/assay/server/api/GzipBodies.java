package dev.assay.server.api;

import io.helidon.http.WritableHeaders;
import io.helidon.http.encoding.ContentDecoder;
import io.helidon.http.encoding.ContentEncoder;
import io.helidon.http.encoding.ContentEncoding;
import io.helidon.http.encoding.ContentEncodingContext;
import io.helidon.http.encoding.gzip.GzipEncoding;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Set;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * Inflation of gzip request bodies, bounded in memory and in CPU, so that a flood of gzip bombs
 * cannot slow other clients down: at most {@code concurrency} bodies are inflated at once (a
 * request that waits longer than a second is asked to retry), inflation stops before the output
 * passes the size limit, and a body whose output passes {@value #MAX_RATIO} times the compressed
 * bytes read so far (once past the first MiB) is refused at that point: a bomb of zeros, which
 * inflates about 1000-fold throughout, costs one MiB of inflation, not the size limit.
 *
 * <p>Helidon would otherwise inflate a gzip body itself, and, after a 413, keep inflating the rest
 * of it to drain the connection; {@link #passThrough()} is the listener's content encoding that
 * leaves request bodies compressed (responses are still compressed with gzip when asked for).
 * Thread-safe.
 */
final class GzipBodies {
  /** Largest inflated-to-compressed size ratio accepted. */
  static final int MAX_RATIO = 100;
  private static final int RATIO_FLOOR = 1 << 20;
  private final Semaphore slots;

  /** Thrown when the inflated body passes the size limit or the ratio. */
  static final class TooLarge extends Exception {
    TooLarge(String message) {
      super(message, null, false, false);
    }
  }

  /** Thrown when no inflation slot became free within a second. */
  static final class Busy extends Exception {
    Busy() {
      super("too many compressed bodies are being inflated", null, false, false);
    }
  }

  GzipBodies(int concurrency) {
    this.slots = new Semaphore(concurrency);
  }

  /** Inflates {@code gzip} to at most {@code max} bytes; IOException when it is not valid gzip. */
  byte[] inflate(byte[] gzip, int max) throws TooLarge, Busy, IOException {
    try {
      if (!slots.tryAcquire(1, TimeUnit.SECONDS)) {
        throw new Busy();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Busy();
    }
    ByteArrayInputStream compressed = new ByteArrayInputStream(gzip);
    try (InputStream in = new GZIPInputStream(compressed, 8192)) {
      ByteArrayOutputStream out = new ByteArrayOutputStream(Math.min(max, gzip.length * 4 + 64));
      byte[] buf = new byte[16 << 10];
      int n;
      while ((n = in.read(buf)) > 0) {
        if (out.size() + n > max) {
          throw new TooLarge("request body exceeds " + max + " bytes after decompression");
        }
        out.write(buf, 0, n);
        // The ratio so far, against the compressed bytes read so far: a bomb is caught at the floor.
        long consumed = gzip.length - compressed.available();
        if (out.size() > RATIO_FLOOR && out.size() > MAX_RATIO * consumed) {
          throw new TooLarge("request body inflates more than " + MAX_RATIO + " times its compressed size");
        }
      }
      return out.toByteArray();
    } finally {
      slots.release();
    }
  }

  /** The listener's content encodings: gzip request bodies reach the routes compressed. */
  static ContentEncodingContext passThrough() {
    return ContentEncodingContext.builder().contentEncodingsDiscoverServices(false)
        .addContentEncoding(new CompressedRequests(GzipEncoding.create())).build();
  }

  /* gzip for responses; request bodies left as sent, for GzipBodies to inflate. */
  private record CompressedRequests(GzipEncoding gzip) implements ContentEncoding {
    @Override
    public Set<String> ids() {
      return gzip.ids();
    }

    @Override
    public boolean supportsEncoding() {
      return true;
    }

    @Override
    public boolean supportsDecoding() {
      return true;
    }

    @Override
    public ContentDecoder decoder() {
      return ContentDecoder.NO_OP;
    }

    /*
     * Helidon's gzip encoder ignores flush(): a streamed reply (server-sent events) would sit in
     * the deflater until the connection ends, so a browser or Node client that asks for gzip
     * (they all do) never saw an event. This one flushes what was written (SYNC_FLUSH).
     */
    @Override
    public ContentEncoder encoder() {
      ContentEncoder headers = gzip.encoder();
      return new ContentEncoder() {
        @Override
        public OutputStream apply(OutputStream network) {
          try {
            return new GZIPOutputStream(network, 8192, true);
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }

        @Override
        public void headers(WritableHeaders<?> h) {
          headers.headers(h);
        }
      };
    }

    @Override
    public String name() {
      return gzip.name();
    }

    @Override
    public String type() {
      return gzip.type();
    }
  }
}
