package dev.assay.server.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The Kafka record format: what goes in comes out, split into records of bounded size. */
class EventCodecTest {
  private static final List<Event> EVENTS = List.of(
      new Event("e1", Event.Type.EXPOSURE, 1_780_000_000_000L, "ünit \"1\"", "deviceId", "exp", 2, null, null,
          "{\"country\":\"NL\",\"note\":\"a\\nb\"}"),
      new Event("m1", Event.Type.METRIC, 1_780_000_000_001L, "u2", null, null, -1, "purchase", 49.9, "{}"),
      new Event("m2", Event.Type.METRIC, 1_780_000_000_002L, "u2", null, null, -1, "signup", null, "{\"plan\":\"pro\"}"),
      new Event("m3", Event.Type.METRIC, 1_780_000_000_003L, "u3", null, null, -1, "buy", 2.0, "{}", "shop", "staging"));

  @Test
  void decode_recordWrittenBeforeEventsCarriedTheirProject_isTheDefaultProjects() {
    byte[] old = ("[{\"i\":\"e1\",\"t\":\"e\",\"ts\":1780000000000,\"u\":\"u1\",\"h\":\"id\",\"x\":\"exp\",\"v\":1,"
        + "\"j\":\"{}\"}]").getBytes(StandardCharsets.UTF_8);

    assertThat(EventCodec.decode(old)).containsExactly(
        new Event("e1", Event.Type.EXPOSURE, 1_780_000_000_000L, "u1", "id", "exp", 1, null, null, "{}", "default", null));
  }

  @Test
  void encodeDecode_roundTripsEveryField() {
    List<byte[]> records = EventCodec.encode(EVENTS, 1 << 20);

    assertThat(records).hasSize(1);
    assertThat(EventCodec.decode(records.get(0))).isEqualTo(EVENTS);
  }

  @Test
  void encode_splitsIntoRecordsOfAboutTheTargetSize_withoutSplittingAnEvent() {
    List<Event> many = new ArrayList<>();
    for (int i = 0; i < 1_000; i++) {
      many.add(new Event("id" + i, Event.Type.METRIC, 1_780_000_000_000L + i, "u" + i, null, null, -1, "n", (double) i, "{}"));
    }

    List<byte[]> records = EventCodec.encode(many, 4_096);

    assertThat(records.size()).isGreaterThan(10);
    assertThat(records).allMatch(r -> r.length < 4_096 + 200);
    List<Event> back = new ArrayList<>();
    records.forEach(r -> back.addAll(EventCodec.decode(r)));
    assertThat(back).isEqualTo(many);
  }

  @Test
  void decode_notAnEventRecord_throwsIllegalArgument() {
    assertThatThrownBy(() -> EventCodec.decode("{\"a\":1}".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> EventCodec.decode("[{\"i\":\"x\"}]".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> EventCodec.decode(new byte[] {0x1f, (byte) 0x8b, 0}))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
