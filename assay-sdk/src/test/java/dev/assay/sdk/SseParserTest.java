package dev.assay.sdk;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The event-stream grammar of the HTML Living Standard, §9.2.6. */
class SseParserTest {

  private final List<SseParser.Event> events = new ArrayList<>();
  private final SseParser parser = new SseParser(events::add);

  private void feed(String... lines) {
    for (String l : lines) {
      parser.line(l);
    }
  }

  @Test
  void line_multiLineDataWithTypeAndId_dispatchedOnBlankLine() {
    feed("event: features", "id: 7", "data: {\"features\":", "data: {}}");
    assertThat(events).isEmpty();
    feed("");

    assertThat(events).containsExactly(new SseParser.Event("features", "{\"features\":\n{}}", "7"));
  }

  @Test
  void line_commentsAndRetry_ignoredAndNoEventWithoutData() {
    feed(": heartbeat", "", "retry: 3000", "", "event: ping", "");

    assertThat(events).isEmpty();
  }

  @Test
  void line_typeResetsButIdPersistsBetweenEvents() {
    feed("event: features", "id: 1", "data: a", "", "data: b", "");

    assertThat(events)
        .containsExactly(new SseParser.Event("features", "a", "1"), new SseParser.Event("message", "b", "1"));
  }

  @Test
  void line_fieldWithoutSpaceOrValue_parsedAsSpecified() {
    feed("data:x", "data", "");

    assertThat(events).containsExactly(new SseParser.Event("message", "x\n", null));
  }
}
