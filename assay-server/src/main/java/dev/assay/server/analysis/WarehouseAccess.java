package dev.assay.server.analysis;

import java.util.Objects;
import java.util.Optional;
import java.util.Properties;

/**
 * How the analysis reaches a warehouse the server does not write: the tables to read (a
 * {@link WarehouseMapping} file) and the credentials, which come from the environment
 * ({@code ASSAY_WAREHOUSE_USER}, {@code ASSAY_WAREHOUSE_PASSWORD}) so they are in neither the URL
 * nor a log. {@link #toString()} never shows the password.
 *
 * @param schema the customer's tables; empty for Assay's own tables
 * @param user the warehouse user (a read-only role: docs/security.md)
 * @param password that user's password
 */
public record WarehouseAccess(Optional<WarehouseSchema> schema, Optional<String> user, Optional<String> password) {
  /** Assay's own tables, credentials (if any) in the URL. */
  public static final WarehouseAccess DEFAULT = new WarehouseAccess(Optional.empty(), Optional.empty(), Optional.empty());

  public WarehouseAccess {
    Objects.requireNonNull(schema, "schema");
    Objects.requireNonNull(user, "user");
    Objects.requireNonNull(password, "password");
  }

  /** Whether anything differs from {@link #DEFAULT}. */
  public boolean configured() {
    return schema.isPresent() || user.isPresent() || password.isPresent();
  }

  /** The JDBC connection properties: {@code user} and {@code password} where given. */
  Properties properties() {
    Properties p = new Properties();
    user.ifPresent(u -> p.setProperty("user", u));
    password.ifPresent(pw -> p.setProperty("password", pw));
    return p;
  }

  @Override
  public String toString() {
    return "WarehouseAccess[schema=" + schema.map(s -> s.exposures() + ", " + s.metrics()).orElse("Assay's tables")
        + ", user=" + user.orElse("(from the URL)") + ", password=" + (password.isPresent() ? "(set)" : "(none)") + "]";
  }
}
