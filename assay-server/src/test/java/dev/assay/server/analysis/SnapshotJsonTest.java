package dev.assay.server.analysis;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.assay.server.domain.model.Correction;
import dev.assay.server.domain.model.Engine;
import org.junit.jupiter.api.Test;

/** The stored snapshot format: what is written reads back, and snapshots of format 1 still read. */
class SnapshotJsonTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  /* A snapshot as format 1 stored it: no "format", a non-finite bound written by Jackson as a string. */
  private static final String FORMAT_1 = """
      {"experiment":"exp","phase":2,"computedAt":"2026-11-30T10:00:00Z","from":"2026-11-01T00:00:00Z",
       "settings":{"engine":"frequentist","alpha":0.1,"sequential":true,"cuped":true,"correction":"holm"},
       "health":{"units":[{"variant":"a","units":10,"share":0.5,"expectedShare":0.5}],"srmPValue":0.2,
         "srmSequentialPValue":0.0004,"srm":true,"multipleExposureUnits":1,"multipleExposureRate":0.05,
         "tooSmall":false,"warnings":["w"]},
       "sufficientStatistics":{},
       "results":[{"metric":"m","variant":"b","controlMean":2.0,"effect":-0.5,"ciLower":"-Infinity","ciUpper":-0.1,
         "pValue":0.01,"significant":true,"looks":3,"notes":["n"]}],
       "runningStates":[{"metric":"m","variant":"b","looks":3,"pValue":0.01,"ciUpper":-0.1}]}""";

  @Test
  void read_formatOne_givesTypedFields() throws Exception {
    AnalysisSnapshot s = SnapshotJson.read(JSON.readTree(FORMAT_1));
    assertThat(s.phase()).isEqualTo(2);
    assertThat(s.to()).isEmpty();
    assertThat(s.settings().alpha()).isEqualTo(0.1);
    assertThat(s.settings().correction()).isEqualTo(Correction.HOLM);
    assertThat(s.settings().engine()).isEqualTo(Engine.FREQUENTIST);
    assertThat(s.settings().plannedUnits()).isEmpty();
    assertThat(s.health().srmSequentialPValue()).isEqualTo(0.0004);
    assertThat(s.health().progress()).isEmpty();
    AnalysisSnapshot.Result r = s.results().get(0);
    assertThat(r.ciLower()).as("a non-finite number stored as text reads as absent").isEmpty();
    assertThat(r.ciUpper().getAsDouble()).isEqualTo(-0.1);
    assertThat(r.controlMean().getAsDouble()).isEqualTo(2.0);
    assertThat(r.looks()).isEqualTo(3);
    assertThat(s.runningStates().get(0).ciLower()).isEqualTo(Double.NEGATIVE_INFINITY);
  }

  @Test
  void writeThenRead_isTheSameSnapshot() throws Exception {
    AnalysisSnapshot s = SnapshotJson.read(JSON.readTree(FORMAT_1));
    JsonNode written = SnapshotJson.write(s);
    assertThat(written.path("format").asInt()).isEqualTo(SnapshotJson.FORMAT);
    assertThat(written.at("/health/srmSequentialPValue").asDouble()).isEqualTo(0.0004);
    assertThat(written.at("/runningStates/0").has("ciLower")).as("an unbounded side is left out").isFalse();
    AnalysisSnapshot again = SnapshotJson.read(written);
    assertThat(again.health()).isEqualTo(s.health());
    assertThat(again.settings()).isEqualTo(s.settings());
    assertThat(again.runningStates()).isEqualTo(s.runningStates());
    assertThat(again.results().get(0).effect()).isEqualTo(s.results().get(0).effect());
  }

  @Test
  void row_nullsEveryNonFiniteNumberAtAnyDepth() throws Exception {
    var row = (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree("{\"a\":1,\"n\":{\"b\":2}}");
    row.put("x", Double.NaN);
    ((com.fasterxml.jackson.databind.node.ObjectNode) row.get("n")).put("y", Double.NEGATIVE_INFINITY);
    JsonNode out = SnapshotJson.row(row);
    assertThat(out.toString()).isEqualTo("{\"a\":1,\"n\":{\"b\":2,\"y\":null},\"x\":null}");
  }
}
