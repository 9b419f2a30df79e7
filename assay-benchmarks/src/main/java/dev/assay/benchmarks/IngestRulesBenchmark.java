package dev.assay.benchmarks;

import dev.assay.server.events.Event;
import dev.assay.server.events.EventParser;
import dev.assay.server.events.EventPrivacy;
import dev.assay.server.events.IngestRules;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The cost of a project's privacy rules on the ingestion path (docs/privacy.md): parsing a batch
 * of 100 metric events with five properties each, without rules, with three redactions (hash,
 * truncate, drop), and with the strip consent policy.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class IngestRulesBenchmark {
  private byte[] batch;
  private IngestRules redactions;
  private IngestRules strip;

  @Setup
  public void setUp() {
    StringBuilder b = new StringBuilder("[");
    for (int i = 0; i < 100; i++) {
      b.append(i > 0 ? "," : "").append("{\"id\":\"e").append(i).append("\",\"type\":\"metric\",\"name\":\"purchase\",")
          .append("\"unitId\":\"user-").append(i).append("\",\"timestamp\":1767225600000,\"value\":").append(i)
          .append(",\"properties\":{\"email\":\"user").append(i).append("@example.com\",\"zip\":\"1017AB\",")
          .append("\"ip\":\"10.0.0.").append(i).append("\",\"plan\":\"pro\",\"country\":\"NL\"}}");
    }
    batch = b.append(']').toString().getBytes(StandardCharsets.UTF_8);
    redactions = IngestRules.of(IngestRules.WithoutConsent.KEEP, Map.of(
        "email", new IngestRules.Redaction(IngestRules.Action.HASH, 0),
        "zip", new IngestRules.Redaction(IngestRules.Action.TRUNCATE, 3),
        "ip", new IngestRules.Redaction(IngestRules.Action.DROP, 0)),
        Optional.of("benchmark-redaction-key-0123456789".getBytes(StandardCharsets.UTF_8)));
    strip = IngestRules.of(IngestRules.WithoutConsent.STRIP, Map.of(), Optional.empty());
  }

  @Benchmark
  public EventParser.Batch parse100_noRules() {
    return EventParser.parse(batch, false, EventPrivacy.NONE, Event.Source.defaultProject(), IngestRules.KEEP_ALL);
  }

  @Benchmark
  public EventParser.Batch parse100_hashTruncateDrop() {
    return EventParser.parse(batch, false, EventPrivacy.NONE, Event.Source.defaultProject(), redactions);
  }

  @Benchmark
  public EventParser.Batch parse100_stripWithoutConsent() {
    return EventParser.parse(batch, false, EventPrivacy.NONE, Event.Source.defaultProject(), strip);
  }
}
