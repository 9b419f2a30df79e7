package dev.assay.server.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

/** The bounds of gzip inflation: size, ratio, validity. */
class GzipBodiesTest {
  private final GzipBodies bodies = new GzipBodies(1);

  @Test
  void inflate_ordinaryBody_returnsIt() throws Exception {
    byte[] raw = new byte[300_000];
    new Random(7).nextBytes(raw);
    assertThat(bodies.inflate(gzip(raw), 5 << 20)).isEqualTo(raw);
  }

  @Test
  void inflate_pastTheRatio_refusedBeforeTheSizeLimit() throws Exception {
    byte[] small = gzip(new byte[4 << 20]); // ~4 KB that inflate 1000-fold, under the 5 MB limit
    assertThatThrownBy(() -> bodies.inflate(small, 5 << 20)).isInstanceOf(GzipBodies.TooLarge.class)
        .hasMessageContaining(GzipBodies.MAX_RATIO + " times");
    // A 256 MiB bomb stops at the ratio (about 1 MiB inflated), before the 5 MB size limit.
    byte[] bomb = gzip(new byte[256 << 20]);
    assertThatThrownBy(() -> bodies.inflate(bomb, 5 << 20)).isInstanceOf(GzipBodies.TooLarge.class)
        .hasMessageContaining(GzipBodies.MAX_RATIO + " times");
  }

  @Test
  void inflate_repetitiveEventBatch_underTheRatio_accepted() throws Exception {
    StringBuilder ndjson = new StringBuilder();
    Random r = new Random(11);
    for (int i = 0; i < 20_000; i++) {
      ndjson.append("{\"id\":\"").append(Long.toHexString(r.nextLong())).append("\",\"type\":\"metric\",\"name\":\"purchase\",")
          .append("\"unitId\":\"user-").append(r.nextInt(100_000)).append("\",\"timestamp\":").append(1_700_000_000_000L + i)
          .append(",\"value\":").append(r.nextInt(10_000) / 100.0).append("}\n");
    }
    byte[] raw = ndjson.toString().getBytes(StandardCharsets.UTF_8);
    assertThat(bodies.inflate(gzip(raw), 5 << 20)).isEqualTo(raw);
  }

  @Test
  void inflate_pastTheSizeLimit_refused() throws Exception {
    byte[] raw = new byte[3 << 20];
    new Random(3).nextBytes(raw); // incompressible: the ratio stays near 1
    assertThatThrownBy(() -> bodies.inflate(gzip(raw), 2 << 20)).isInstanceOf(GzipBodies.TooLarge.class)
        .hasMessageContaining("exceeds " + (2 << 20) + " bytes");
  }

  @Test
  void inflate_notGzip_isAnIoError() {
    assertThatThrownBy(() -> bodies.inflate("[{}]".getBytes(StandardCharsets.UTF_8), 1000)).isInstanceOf(IOException.class);
  }

  @Test
  void inflate_afterFailures_slotIsReleased() throws Exception {
    for (int i = 0; i < 3; i++) {
      assertThatThrownBy(() -> bodies.inflate(new byte[] {1, 2, 3}, 1000)).isInstanceOf(IOException.class);
    }
    assertThat(bodies.inflate(gzip("ok".getBytes(StandardCharsets.UTF_8)), 1000)).asString().isEqualTo("ok");
  }

  private static byte[] gzip(byte[] raw) throws IOException {
    ByteArrayOutputStream gz = new ByteArrayOutputStream();
    try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
      out.write(raw);
    }
    return gz.toByteArray();
  }
}
