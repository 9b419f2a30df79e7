package dev.assay.sdk;

/**
 * A compiled targeting condition (GrowthBook's MongoDB-like condition language). Compiled once
 * when a ruleset arrives; matching does no parsing, no regex compilation and no I/O.
 */
interface Condition {

  /** The empty condition: matches everything. */
  Condition ALWAYS = new Condition() {
    @Override
    public boolean matches(Attributes attributes) {
      return true;
    }

    @Override
    public boolean test(Object root) {
      return true;
    }
  };

  boolean matches(Attributes attributes);

  /** Matches against any JSON-shaped root: {@link Attributes}, a map, or an element of a list. */
  boolean test(Object root);
}
