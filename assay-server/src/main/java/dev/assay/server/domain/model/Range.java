package dev.assay.server.domain.model;

import dev.assay.server.domain.DomainException;
import org.jspecify.annotations.Nullable;

/** The part [start, end) of a layer an experiment reserves. */
public record Range(Double start, Double end) {
  public Range(@Nullable Double start, @Nullable Double end) {
    this.start = Check.fraction("start", Check.required("start", start), 0);
    this.end = Check.fraction("end", Check.required("end", end), 1);
    if (!(this.start < this.end)) {
      throw DomainException.invalid("end", "must be greater than start (" + start + "), was " + end);
    }
  }

  /** Whether the two ranges share any part. */
  public boolean overlaps(Range o) {
    return start < o.end && o.start < end;
  }
}
