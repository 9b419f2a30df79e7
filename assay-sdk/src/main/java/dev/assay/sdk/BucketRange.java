package dev.assay.sdk;

/**
 * A half-open range {@code [start, end)} of the hash space [0, 1] that assigns a variation.
 *
 * @param start inclusive lower bound, in [0, 1]
 * @param end exclusive upper bound, in [start, 1]
 */
public record BucketRange(double start, double end) {

  public BucketRange {
    if (!(start >= 0 && start <= 1) || !(end >= start && end <= 1)) {
      throw new IllegalArgumentException(
          "bucket range must satisfy 0 <= start <= end <= 1, got [" + start + ", " + end + ")");
    }
  }

  /** Whether a hash value falls in this range. */
  public boolean contains(double n) {
    return n >= start && n < end;
  }
}
