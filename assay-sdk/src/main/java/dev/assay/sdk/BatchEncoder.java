package dev.assay.sdk;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.zip.GZIPOutputStream;

/**
 * Writes batches of {@link QueuedEvent}s as request bodies of {@code POST /api/v1/events}, into one
 * buffer reused from batch to batch. Gives every event an id: a random prefix per logger, so ids
 * never collide across processes, then a sequence number; a retried batch keeps its bytes, hence
 * its ids. Owned by the sender thread; not thread-safe.
 */
final class BatchEncoder {

  private static final JsonFactory JSON = JsonFactory.builder().build();

  private final boolean gzip;
  private final String idPrefix = UUID.randomUUID() + "-";
  private long nextId;
  /** The reused buffers: the request body, and each event id's characters. */
  private final Body body = new Body();
  private final StringBuilder id = new StringBuilder(idPrefix);
  private char[] idChars = new char[64];

  BatchEncoder(boolean gzip) {
    this.gzip = gzip;
  }

  boolean gzip() {
    return gzip;
  }

  /** The encoded bytes of the last batch: {@code bytes()[0, size())}. */
  byte[] bytes() {
    return body.bytes();
  }

  int size() {
    return body.size();
  }

  /** A request body buffer, reused from batch to batch by the sender thread. */
  private static final class Body extends ByteArrayOutputStream {
    Body() {
      super(16 * 1024);
    }

    byte[] bytes() {
      return buf;
    }

    @Override
    public void close() {
      // kept open: the buffer is reused for the next batch
    }
  }

  /**
   * Writes the batch into the buffer as a JSON array in the server's event format,
   * gzip-compressed if configured. Gives each event its id.
   */
  void encode(List<QueuedEvent> batch) {
    body.reset();
    try (OutputStream out = gzip ? new GZIPOutputStream(body, 8192) : body;
        JsonGenerator g = JSON.createGenerator(out, JsonEncoding.UTF8)) {
      g.writeStartArray();
      for (QueuedEvent e : batch) {
        g.writeStartObject();
        g.writeFieldName("id");
        id.setLength(idPrefix.length());
        id.append(nextId++);
        if (id.length() > idChars.length) {
          idChars = new char[id.length() * 2];
        }
        id.getChars(0, id.length(), idChars, 0);
        g.writeString(idChars, 0, id.length());
        g.writeStringField("type", e.exposure ? "exposure" : "metric");
        g.writeNumberField("timestamp", e.timestampMillis);
        g.writeStringField("unitId", e.unitId);
        if (e.exposure) {
          g.writeStringField("experimentKey", e.name);
          g.writeNumberField("variationId", e.variationId);
          g.writeStringField("hashAttribute", Objects.requireNonNull(e.hashAttribute));
          g.writeObjectFieldStart("attributes");
          if (e.variationKey != null) {
            g.writeStringField("variationKey", e.variationKey);
          }
          if (e.featureId != null && !e.featureId.isEmpty()) {
            g.writeStringField("featureId", e.featureId);
          }
          if (e.cluster != null) {
            g.writeStringField(Objects.requireNonNull(e.hashAttribute), e.cluster);
          }
          g.writeEndObject();
        } else {
          g.writeStringField("name", e.name);
          if (!Double.isNaN(e.value)) {
            g.writeNumberField("value", e.value);
          }
          if (!e.properties.isEmpty()) {
            g.writeFieldName("properties");
            Json.write(g, e.properties);
          }
        }
        g.writeEndObject();
      }
      g.writeEndArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e); // writing to memory does not fail
    }
  }

}
