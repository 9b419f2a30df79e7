package dev.assay.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CloserTest {
  @Test
  void close_closesInReverseOrderOfRegistration_once() {
    List<String> closed = new ArrayList<>();
    Closer closer = new Closer();
    closer.register(() -> closed.add("store"));
    closer.register(() -> closed.add("events"));
    closer.onClose(() -> closed.add("listener"));
    closer.close();
    closer.close();
    assertThat(closed).containsExactly("listener", "events", "store");
  }

  @Test
  void close_aFailureDoesNotStopTheRest_andIsThrownWithLaterOnesSuppressed() {
    List<String> closed = new ArrayList<>();
    Closer closer = new Closer();
    closer.register(() -> closed.add("store"));
    closer.register(() -> {
      throw new java.io.IOException("disk gone");
    });
    closer.register(() -> {
      throw new IllegalStateException("broker gone");
    });
    assertThatThrownBy(closer::close).isInstanceOf(IllegalStateException.class).hasMessage("broker gone")
        .satisfies(e -> assertThat(e.getSuppressed()).singleElement()
            .satisfies(s -> assertThat(s).hasMessage("disk gone")));
    assertThat(closed).containsExactly("store");
  }

  @Test
  void register_afterClose_isRefused() {
    Closer closer = new Closer();
    closer.close();
    assertThatThrownBy(() -> closer.register(() -> { })).isInstanceOf(IllegalStateException.class);
  }
}
