package dev.assay.stats.vectors;

import dev.assay.stats.StatsException;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Runs reference cases in the {@code stat-vectors.json} format against this engine, so that the
 * engine can be checked against values computed elsewhere (SciPy, R, a platform's own output).
 *
 * <p>Thread-safe and stateless.
 */
public final class ReferenceVectors {

  private static final Map<String, VectorKind> KINDS = register();

  private ReferenceVectors() {}

  private static Map<String, VectorKind> register() {
    Map<String, VectorKind> kinds = new LinkedHashMap<>();
    List<VectorKind> all = new ArrayList<>();
    all.addAll(FixedHorizonVectors.all());
    all.addAll(SequentialVectors.all());
    for (VectorKind k : all) {
      if (kinds.put(k.kind(), k) != null) {
        throw new IllegalStateException("two implementations of vector kind " + k.kind());
      }
    }
    return Collections.unmodifiableMap(kinds);
  }

  /** The case kinds this engine can compute. */
  public static Set<String> kinds() {
    return KINDS.keySet();
  }

  /**
   * Computes the outputs of one case.
   *
   * @throws StatsException if the kind is unknown or the input is missing a field
   */
  public static Map<String, Object> compute(String kind, Map<String, Object> input) {
    VectorKind k = KINDS.get(kind);
    if (k == null) {
      throw new StatsException("unknown vector kind '" + kind + "'; known kinds: " + KINDS.keySet());
    }
    return k.compute(input);
  }
}
