package dev.assay.stats.vectors;

import java.util.Map;

/**
 * One kind of reference case in the {@code stat-vectors.json} format: computes the expected-side
 * fields of a case from its {@code input} object. Inputs and outputs are plain JSON-shaped Java
 * values (maps, lists, numbers, strings, booleans, null), so callers can parse the file with any
 * JSON library.
 */
interface VectorKind {

  /** The {@code kind} string this computes, e.g. {@code welch_t_test}. */
  String kind();

  /** Computes every output field this engine supports for the given case input. */
  Map<String, Object> compute(Map<String, Object> input);
}
