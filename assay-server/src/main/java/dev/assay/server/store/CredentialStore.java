package dev.assay.server.store;

import java.time.Instant;
import java.util.Optional;

/**
 * Sign-in data of the web UI, inside a {@link StoreTransaction}: users' password hashes and the
 * hashes of browser session ids. The store keeps the strings it is given and interprets none of
 * them; hashing is the caller's. Nothing here is ever part of an entity document, so no API that
 * returns entities can leak it.
 */
public interface CredentialStore {
  /** A stored browser session: the hash of its id, its user, when it began and was last used. */
  record Session(String idHash, String userKey, Instant createdAt, Instant lastSeenAt) {}

  /** The user's password hash, if a password was set. */
  Optional<String> passwordHash(String userKey);

  /** Sets (or replaces) the user's password hash. */
  void setPasswordHash(String userKey, String hash, Instant at);

  /** Removes the user's password; returns whether there was one. */
  boolean deletePassword(String userKey);

  void insertSession(Session session);

  Optional<Session> session(String idHash);

  /** Records that the session was used at this time. */
  void touchSession(String idHash, Instant at);

  /** Ends one session; returns whether it existed. */
  boolean deleteSession(String idHash);

  /** Ends every session of the user (after a password change); returns how many. */
  int deleteSessionsOf(String userKey);

  /** Removes sessions last used before this time; returns how many. */
  int deleteSessionsIdleSince(Instant before);
}
