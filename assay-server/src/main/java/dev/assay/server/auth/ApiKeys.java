package dev.assay.server.auth;

import dev.assay.server.audit.AuditLog;
import dev.assay.server.store.ApiKeyRecord;
import dev.assay.server.store.ConfigStore;
import dev.assay.server.store.StoreTransaction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * API keys: creation (the token is returned once and only its SHA-256 is stored), authentication,
 * revocation and the bootstrap admin key.
 *
 * <p>Tokens carry 256 bits from {@link SecureRandom}, so an unsalted SHA-256 is enough: there is
 * nothing to brute-force that is smaller than the token itself (unlike passwords, which need a slow
 * salted hash). Thread-safe.
 */
public final class ApiKeys {
  /** Name of the key created from {@code ASSAY_ADMIN_TOKEN} or at first start. */
  public static final String BOOTSTRAP_NAME = "bootstrap-admin";
  private static final String SYSTEM = "system";
  private final ConfigStore store;
  private final AuditLog audit;
  private final Clock clock;
  private final SecureRandom random;

  public ApiKeys(ConfigStore store, AuditLog audit, Clock clock, SecureRandom random) {
    this.store = store;
    this.audit = audit;
    this.clock = clock;
    this.random = random;
  }

  private volatile Logins logins;

  /**
   * Users' passwords and browser sessions (the web UI's sign-in), in the same store; one instance
   * per key service.
   */
  public Logins logins() {
    Logins l = logins;
    if (l == null) {
      synchronized (this) {
        if (logins == null) {
          logins = new Logins(store, audit, clock, random, new Passwords(random), Logins.Lifetimes.DEFAULT);
        }
        l = logins;
      }
    }
    return l;
  }

  /** Server keys of SDK connections, kept in the same store with the same hashing. */
  public ServerKeys serverKeys() {
    return new ServerKeys(store, audit, clock, random);
  }

  /** A newly created key and its secret token, which is never retrievable again. */
  public record CreatedKey(ApiKeyRecord key, String token) {}

  public CreatedKey create(String name, Role role, String actor) {
    return create(name, role, List.of(), actor);
  }

  /**
   * Creates a key limited to these projects (empty: every project). The caller checks that the
   * projects exist.
   */
  public CreatedKey create(String name, Role role, List<String> projects, String actor) {
    String token = newToken();
    return store.write(tx -> new CreatedKey(insert(tx, name, role, projects, token, actor), token));
  }

  /** The principal a Bearer token belongs to, if the token is known and not revoked. */
  public Optional<Principal> authenticate(String token) {
    if (token.isEmpty() || token.length() > 200) {
      return Optional.empty();
    }
    return store.read(tx -> tx.apiKeyByHash(hash(token)))
        .filter(ApiKeyRecord::active)
        .flatMap(k -> Role.parse(k.role()).map(r -> new Principal(k.id(), k.name(), r, k.projects())));
  }

  public List<ApiKeyRecord> list() {
    return store.read(StoreTransaction::apiKeys);
  }

  public Optional<ApiKeyRecord> get(String id) {
    return store.read(tx -> tx.apiKey(id));
  }

  /** Revokes the key; false when it does not exist or is already revoked. */
  public boolean revoke(String id, String actor) {
    return store.write(tx -> {
      Optional<ApiKeyRecord> before = tx.apiKey(id);
      if (before.isEmpty() || !tx.revokeApiKey(id, Instant.ofEpochMilli(clock.millis()))) {
        return false;
      }
      audit.append(tx, actor, "revoke", "API_KEY", "", id, Optional.of(describe(before.get())),
          tx.apiKey(id).map(ApiKeys::describe));
      return true;
    });
  }

  /**
   * Makes sure an admin key with exactly this token exists (idempotent): the
   * {@code ASSAY_ADMIN_TOKEN} path for automation.
   *
   * @throws IllegalArgumentException when the token is too short, or belongs to a revoked or
   *     non-admin key
   */
  public void ensureAdminToken(String token) {
    if (token.length() < 16) {
      throw new IllegalArgumentException("ASSAY_ADMIN_TOKEN must be at least 16 characters");
    }
    store.write(tx -> {
      Optional<ApiKeyRecord> existing = tx.apiKeyByHash(hash(token));
      if (existing.isEmpty()) {
        insert(tx, BOOTSTRAP_NAME, Role.ADMIN, List.of(), token, SYSTEM);
      } else if (!existing.get().active()) {
        // Reviving it would undo the revocation at every start; ignoring it would lock the operator out.
        throw new IllegalArgumentException("ASSAY_ADMIN_TOKEN: this token belongs to API key '" + existing.get().id()
            + "', which was revoked; set a new token (or unset ASSAY_ADMIN_TOKEN)");
      } else if (!existing.get().role().equals(Role.ADMIN.wireName())) {
        throw new IllegalArgumentException("ASSAY_ADMIN_TOKEN: this token belongs to API key '" + existing.get().id()
            + "' with role " + existing.get().role() + ", not admin; set a different token");
      }
      return null;
    });
  }

  /**
   * Creates an admin key when no active admin key exists, returning its token for one-time display.
   */
  public Optional<String> bootstrapIfNoAdmin() {
    String token = newToken();
    return store.write(tx -> {
      boolean hasAdmin = tx.apiKeys().stream()
          .anyMatch(k -> k.active() && k.role().equals(Role.ADMIN.wireName()));
      if (hasAdmin) {
        return Optional.empty();
      }
      insert(tx, BOOTSTRAP_NAME, Role.ADMIN, List.of(), token, SYSTEM);
      return Optional.of(token);
    });
  }

  private ApiKeyRecord insert(StoreTransaction tx, String name, Role role, List<String> projects, String token,
      String actor) {
    byte[] id = new byte[8];
    random.nextBytes(id);
    ApiKeyRecord key = new ApiKeyRecord("key_" + HexFormat.of().formatHex(id), name,
        role.wireName(), hash(token), Instant.ofEpochMilli(clock.millis()), actor, Optional.empty(), projects);
    tx.insertApiKey(key);
    audit.append(tx, actor, "create", "API_KEY", "", key.id(), Optional.empty(),
        Optional.of(describe(key)));
    return key;
  }

  /* The audit entry names the key and its role, never its hash. */
  private static String describe(ApiKeyRecord k) {
    return "{\"id\":\"" + k.id() + "\",\"name\":" + quote(k.name()) + ",\"role\":\"" + k.role()
        + "\",\"revoked\":" + !k.active()
        + (k.projects().isEmpty() ? "" : ",\"projects\":" + listOf(k.projects())) + "}";
  }

  private static String listOf(List<String> items) {
    return items.stream().map(ApiKeys::quote).collect(java.util.stream.Collectors.joining(",", "[", "]"));
  }

  private static String quote(String s) {
    return com.fasterxml.jackson.databind.node.TextNode.valueOf(s).toString();
  }

  private String newToken() {
    byte[] bytes = new byte[32];
    random.nextBytes(bytes);
    return "assay_" + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  static String hash(String token) {
    try {
      return HexFormat.of().formatHex(
          MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every JVM", e);
    }
  }
}
