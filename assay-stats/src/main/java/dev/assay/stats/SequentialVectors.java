package dev.assay.stats;

import java.util.List;

/** Reference-vector kinds computed by this part of the engine. See {@link ReferenceVectors}. */
final class SequentialVectors {

  private SequentialVectors() {}

  static List<VectorKind> all() {
    return List.of();
  }
}
