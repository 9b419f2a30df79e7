package dev.assay.server.auth;

import dev.assay.server.audit.AuditLog;
import dev.assay.server.domain.DomainException;
import dev.assay.server.domain.model.ModelJson;
import dev.assay.server.domain.model.User;
import dev.assay.server.store.ConfigStore;
import dev.assay.server.store.CredentialStore.Session;
import dev.assay.server.store.Kind;
import dev.assay.server.store.StoreTransaction;
import dev.assay.server.store.StoredEntity;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;

/**
 * Sign-in of users (entities of {@link Kind#USER}) with a password, and their browser sessions.
 *
 * <p>A session id is 256 random bits; the store keeps only its SHA-256 (like API keys), so the
 * sessions survive a restart and a copy of the database signs nobody in. A session ends after
 * {@link #idle} without use and, in any case, {@link #absolute} after sign-in. Its CSRF token is
 * derived from the id ({@code SHA-256("csrf:" + id)}): a page can show it, the database never holds
 * it, and it cannot be computed from what the database holds. A signed-in user acts with the role
 * and projects of their user entity, read at every request, so a changed role applies at once.
 * Thread-safe.
 */
public final class Logins {
  /** Session lifetimes. */
  public record Lifetimes(Duration idle, Duration absolute) {
    public static final Lifetimes DEFAULT = new Lifetimes(Duration.ofHours(8), Duration.ofDays(7));
  }

  /** A signed-in session: who, its CSRF token, and the id the cookie carries. */
  public record SignedIn(String sessionId, String userKey, Principal principal, String csrfToken) {}

  /** Name of the user the first start creates. */
  public static final String ADMIN_USER = "admin";
  private static final String SYSTEM = "system";
  /* Touching a session is a write; do it at most this often per session. */
  private static final Duration TOUCH_EVERY = Duration.ofMinutes(1);
  private final ConfigStore store;
  private final AuditLog audit;
  private final Clock clock;
  private final SecureRandom random;
  private final Passwords passwords;
  private final Lifetimes lifetimes;
  /* Verified against when the user is unknown, so a wrong user name costs as long as a wrong password. */
  private volatile String decoy;

  public Logins(ConfigStore store, AuditLog audit, Clock clock, SecureRandom random, Passwords passwords,
      Lifetimes lifetimes) {
    this.store = store;
    this.audit = audit;
    this.clock = clock;
    this.random = random;
    this.passwords = passwords;
    this.lifetimes = lifetimes;
  }

  private String decoy() {
    String d = decoy;
    if (d == null) {
      d = passwords.hash(passwords.generate());
      decoy = d;
    }
    return d;
  }

  public Lifetimes lifetimes() {
    return lifetimes;
  }

  /** Signs a user in; empty when the user is unknown, has no password or it does not match. */
  public Optional<SignedIn> signIn(String userKey, String password) {
    if (userKey.isEmpty() || userKey.length() > 128 || password.length() > Passwords.MAX_LENGTH * 2) {
      return Optional.empty();
    }
    Optional<String> stored = store.read(tx -> tx.credentials().passwordHash(userKey));
    boolean ok = Passwords.verify(password, stored.orElseGet(this::decoy)) && stored.isPresent();
    if (!ok) {
      return Optional.empty();
    }
    Optional<Principal> principal = store.read(tx -> principalOf(tx, userKey));
    if (principal.isEmpty()) {
      return Optional.empty();
    }
    byte[] bytes = new byte[32];
    random.nextBytes(bytes);
    String id = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    Instant now = now();
    store.write(tx -> {
      tx.credentials().insertSession(new Session(sha256(id), userKey, now, now));
      tx.credentials().deleteSessionsIdleSince(now.minus(lifetimes.idle()));
      return null;
    });
    return Optional.of(new SignedIn(id, userKey, principal.get(), csrfToken(id)));
  }

  /** The session this cookie value names, if it exists and has not expired; records its use. */
  public Optional<SignedIn> resolve(String sessionId) {
    if (sessionId.isEmpty() || sessionId.length() > 100) {
      return Optional.empty();
    }
    String hash = sha256(sessionId);
    Instant now = now();
    record Found(Session session, Optional<Principal> principal) {}
    Optional<Found> found = store.read(tx -> tx.credentials().session(hash)
        .map(s -> new Found(s, principalOf(tx, s.userKey()))));
    if (found.isEmpty()) {
      return Optional.empty();
    }
    Session s = found.get().session();
    boolean expired = !now.isBefore(s.lastSeenAt().plus(lifetimes.idle()))
        || !now.isBefore(s.createdAt().plus(lifetimes.absolute()));
    if (expired || found.get().principal().isEmpty()) {
      store.write(tx -> tx.credentials().deleteSession(hash));
      return Optional.empty();
    }
    if (!now.isBefore(s.lastSeenAt().plus(TOUCH_EVERY))) {
      store.write(tx -> {
        tx.credentials().touchSession(hash, now);
        return null;
      });
    }
    return Optional.of(new SignedIn(sessionId, s.userKey(), found.get().principal().get(), csrfToken(sessionId)));
  }

  /** Ends the session (logout); unknown ids are ignored. */
  public void signOut(String sessionId) {
    if (!sessionId.isEmpty() && sessionId.length() <= 100) {
      store.write(tx -> tx.credentials().deleteSession(sha256(sessionId)));
    }
  }

  /**
   * Sets a user's password (validated: {@link Passwords#validate}) and ends the user's sessions.
   * Audited without the hash.
   *
   * @throws DomainException invalid password, or not found when there is no such user
   */
  public void setPassword(String userKey, String password, String actor) {
    Passwords.validate(password);
    String hash = passwords.hash(password);
    store.write(tx -> {
      if (tx.get(Kind.USER, "", userKey).isEmpty()) {
        throw DomainException.notFound("user '" + userKey + "' not found");
      }
      tx.credentials().setPasswordHash(userKey, hash, now());
      int ended = tx.credentials().deleteSessionsOf(userKey);
      audit.append(tx, actor, "set_password", Kind.USER.name(), "", userKey, Optional.empty(),
          Optional.of("{\"password\":\"set\",\"sessionsEnded\":" + ended + "}"));
      return null;
    });
  }

  /** Whether the user has a password. */
  public boolean hasPassword(String userKey) {
    return store.read(tx -> tx.credentials().passwordHash(userKey)).isPresent();
  }

  /**
   * Gives the {@value #ADMIN_USER} user (which the caller has made sure exists, with role admin) a
   * password: {@code fixed} when given (set when it does not already match), else a generated one
   * when no admin user can sign in yet. Returns the generated password, for one-time display.
   */
  public Optional<String> bootstrapAdminPassword(Optional<String> fixed) {
    if (fixed.isPresent()) {
      Passwords.validate(fixed.get());
      Optional<String> stored = store.read(tx -> tx.credentials().passwordHash(ADMIN_USER));
      if (stored.isEmpty() || !Passwords.verify(fixed.get(), stored.get())) {
        setPassword(ADMIN_USER, fixed.get(), SYSTEM);
      }
      return Optional.empty();
    }
    boolean anyAdminCanSignIn = store.read(tx -> adminsWithPassword(tx)) > 0;
    boolean adminIsAdmin = store.read(tx -> tx.get(Kind.USER, "", ADMIN_USER)).flatMap(Logins::role)
        .filter(r -> r == Role.ADMIN).isPresent();
    if (anyAdminCanSignIn || !adminIsAdmin) {
      return Optional.empty();
    }
    String generated = passwords.generate();
    setPassword(ADMIN_USER, generated, SYSTEM);
    return Optional.of(generated);
  }

  private static long adminsWithPassword(StoreTransaction tx) {
    return tx.listAll(Kind.USER).stream()
        .filter(u -> role(u).filter(r -> r == Role.ADMIN).isPresent())
        .filter(u -> tx.credentials().passwordHash(u.key()).isPresent())
        .count();
  }

  /** The CSRF token of a session. */
  public static String csrfToken(String sessionId) {
    return sha256("csrf:" + sessionId);
  }

  private static Optional<Principal> principalOf(StoreTransaction tx, String userKey) {
    Optional<StoredEntity> user = tx.get(Kind.USER, "", userKey);
    if (user.isEmpty()) {
      return Optional.empty();
    }
    User u = userOf(user.get());
    return Role.parse(u.role()).map(r -> new Principal("user:" + userKey, userKey, r, u.projects()));
  }

  private static Optional<Role> role(StoredEntity user) {
    return Role.parse(userOf(user).role());
  }

  private static User userOf(StoredEntity user) {
    return ModelJson.fromStored(User.class, user.body());
  }

  private Instant now() {
    return Instant.ofEpochMilli(clock.millis());
  }

  static String sha256(String s) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
      return java.util.HexFormat.of().formatHex(d);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every JVM", e);
    }
  }
}
