package dev.assay.server.domain;

import java.util.List;
import java.util.Objects;

/**
 * Root of the server's domain errors: a request that cannot be honoured, with a machine-readable
 * code and details naming the offending fields. The HTTP edge maps {@link Category} to a status.
 */
public class DomainException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Why the request failed, independent of transport. */
  public enum Category { INVALID, UNPROCESSABLE, NOT_FOUND, CONFLICT, BUSY }

  /** One problem: the field path ({@code variants[1].weight}) or subject, and what is wrong. */
  public record Detail(String field, String message) {
    public Detail {
      Objects.requireNonNull(field, "field");
      Objects.requireNonNull(message, "message");
    }
  }

  private final Category category;
  private final String code;
  private final transient List<Detail> details;
  private final int retryAfterSeconds;

  public DomainException(Category category, String code, String message, List<Detail> details) {
    this(category, code, message, details, 0);
  }

  private DomainException(Category category, String code, String message, List<Detail> details,
      int retryAfterSeconds) {
    super(message);
    this.category = Objects.requireNonNull(category, "category");
    this.code = Objects.requireNonNull(code, "code");
    this.details = List.copyOf(details);
    this.retryAfterSeconds = retryAfterSeconds;
  }

  /** For {@link Category#BUSY}: when to try again (the {@code Retry-After} header), else 0. */
  public int retryAfterSeconds() {
    return retryAfterSeconds;
  }

  /** The server is at a capacity limit for this work (429 with {@code Retry-After}). */
  public static DomainException busy(String code, String message, int retryAfterSeconds) {
    return new DomainException(Category.BUSY, code, message, List.of(), Math.max(1, retryAfterSeconds));
  }

  public Category category() {
    return category;
  }

  public String code() {
    return code;
  }

  public List<Detail> details() {
    return details;
  }

  /** A field failed validation (400). */
  public static DomainException invalid(String field, String message) {
    return new DomainException(Category.INVALID, "validation_failed", field + ": " + message,
        List.of(new Detail(field, message)));
  }

  /** A field refers to something that does not exist (422). */
  public static DomainException badReference(String field, String message) {
    return new DomainException(Category.UNPROCESSABLE, "invalid_reference", field + ": " + message,
        List.of(new Detail(field, message)));
  }

  public static DomainException notFound(String message) {
    return new DomainException(Category.NOT_FOUND, "not_found", message, List.of());
  }

  public static DomainException conflict(String code, String message, List<Detail> details) {
    return new DomainException(Category.CONFLICT, code, message, details);
  }

  /** This error with each detail's field moved under {@code prefix} (an empty field becomes it). */
  public DomainException within(String prefix) {
    List<Detail> moved = details.stream()
        .map(d -> new Detail(prefix.isEmpty() ? d.field() : d.field().isEmpty() ? prefix : prefix + "." + d.field(),
            d.message()))
        .toList();
    String message = moved.isEmpty() ? getMessage() : moved.get(0).field() + ": " + moved.get(0).message();
    return new DomainException(category, code, message, moved, retryAfterSeconds);
  }
}
