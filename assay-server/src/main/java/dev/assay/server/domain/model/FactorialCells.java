package dev.assay.server.domain.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.assay.server.domain.DomainException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The cells of a full factorial design (ADR 0040): every combination of one level per factor, in
 * row-major order (the first factor varies slowest). Cell k has level {@code (k / stride_f) mod
 * L_f} of factor f, where stride_f is the product of the level counts of the factors after f. A
 * cell's variant key is its level keys joined by {@code .} (e.g. {@code red.large}); its value is
 * the object {@code {"<factor>": "<level>", ...}} the SDK serves.
 */
public final class FactorialCells {
  /** Fewest and most factors of a design. */
  public static final int MIN_FACTORS = 2;
  public static final int MAX_FACTORS = 4;

  private FactorialCells() {}

  /** The number of cells, Π L_f. */
  public static int count(List<Factor> factors) {
    int n = 1;
    for (Factor f : factors) {
      n *= f.levels().size();
    }
    return n;
  }

  /** The level index of factor {@code f} in cell {@code cell}. */
  public static int level(List<Factor> factors, int cell, int f) {
    int stride = 1;
    for (int g = f + 1; g < factors.size(); g++) {
      stride *= factors.get(g).levels().size();
    }
    return (cell / stride) % factors.get(f).levels().size();
  }

  /** The variant key of a cell: its level keys joined by {@code .}. */
  public static String key(List<Factor> factors, int cell) {
    List<String> parts = new ArrayList<>();
    for (int f = 0; f < factors.size(); f++) {
      parts.add(factors.get(f).levels().get(level(factors, cell, f)));
    }
    return String.join(".", parts);
  }

  /** The value a cell's units are served: {@code {"<factor>": "<level>", ...}}. */
  public static JsonNode value(List<Factor> factors, int cell) {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    for (int f = 0; f < factors.size(); f++) {
      o.put(factors.get(f).key(), factors.get(f).levels().get(level(factors, cell, f)));
    }
    return o;
  }

  /** Every cell's variant key, in cell order. */
  public static List<String> keys(List<Factor> factors) {
    List<String> out = new ArrayList<>();
    for (int k = 0; k < count(factors); k++) {
      out.add(key(factors, k));
    }
    return out;
  }

  /**
   * Checks a design's factors and that the variants are exactly its cells, equally weighted, and
   * returns the variants with each cell's value filled in. Errors name {@code factors[i].key},
   * {@code variants} or {@code variants[k].<field>}.
   */
  static List<Variant> check(ExperimentType type, List<Factor> factors, List<Variant> variants) {
    if (factors.isEmpty()) {
      return variants;
    }
    if (type != ExperimentType.MULTIVARIATE) {
      throw DomainException.invalid("factors", "are only for experiments of type 'multivariate', this one is '"
          + type.wire() + "'");
    }
    if (factors.size() < MIN_FACTORS) {
      throw DomainException.invalid("factors", "needs " + MIN_FACTORS + " to " + MAX_FACTORS + " factors, has "
          + factors.size());
    }
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < factors.size(); i++) {
      if (!seen.add(factors.get(i).key())) {
        throw DomainException.invalid("factors[" + i + "].key", "duplicate factor '" + factors.get(i).key()
            + "'; factor keys must be unique");
      }
    }
    List<String> keys = keys(factors);
    if (variants.size() != keys.size()) {
      throw DomainException.invalid("variants", "a factorial design's variants are its " + keys.size()
          + " cells, one per combination of levels, in this order: " + keys + "; has " + variants.size());
    }
    double weight = 1.0 / keys.size();
    List<Variant> out = new ArrayList<>();
    for (int k = 0; k < keys.size(); k++) {
      Variant v = variants.get(k);
      if (!v.key().equals(keys.get(k))) {
        throw DomainException.invalid("variants[" + k + "].key", "must be the cell '" + keys.get(k)
            + "' (cells in order: " + keys + "), was '" + v.key() + "'");
      }
      if (Math.abs(v.weight() - weight) > 1e-9) {
        throw DomainException.invalid("variants[" + k + "].weight", "must be " + weight
            + ": the cells of a factorial design are equally weighted, was " + v.weight());
      }
      JsonNode value = value(factors, k);
      if (!v.value().isNull() && !v.value().equals(value)) {
        throw DomainException.invalid("variants[" + k + "].value", "a cell serves its levels, " + value
            + "; leave it out or set exactly that, was " + v.value());
      }
      out.add(new Variant(v.key(), v.name(), v.weight(), value));
    }
    return out;
  }
}
