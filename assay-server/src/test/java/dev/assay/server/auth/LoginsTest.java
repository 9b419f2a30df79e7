package dev.assay.server.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.assay.server.audit.AuditAnchor;
import dev.assay.server.audit.AuditKey;
import dev.assay.server.audit.AuditLog;
import dev.assay.server.domain.ConfigService;
import dev.assay.server.domain.DomainException;
import dev.assay.server.store.ConfigStore;
import dev.assay.server.store.JdbcConfigStore;
import dev.assay.server.store.Kind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Sessions over the real embedded store, with a clock the test moves. */
class LoginsTest {
  private final LoginThrottleTest.StepClock clock = new LoginThrottleTest.StepClock();
  private ConfigStore store;
  private ConfigService config;
  private Logins logins;

  @BeforeEach
  void open() throws Exception {
    Path dir = Files.createTempDirectory("assay-logins-");
    store = openStore(dir);
    AuditKey key = AuditKey.load(Optional.empty(), dir);
    AuditLog audit = new AuditLog(clock, key, AuditAnchor.open(dir.resolve("audit-anchor.log"), key));
    SecureRandom random = new SecureRandom();
    config = new ConfigService(store, audit, clock, random);
    config.ensureDefaultProject();
    logins = new Logins(store, audit, clock, random, new Passwords(random, 10_000),
        new Logins.Lifetimes(Duration.ofHours(1), Duration.ofHours(5)));
    config.create(Kind.USER, "default", new ObjectMapper().readTree("{\"key\":\"ann\",\"role\":\"analyst\","
        + "\"projects\":[\"default\"]}"), "test");
    logins.setPassword("ann", "ann's long password", "test");
  }

  /** The store under test: the embedded H2 file here; {@link LoginsPostgresTest} runs the same on PostgreSQL. */
  ConfigStore openStore(Path dir) {
    return JdbcConfigStore.embedded(dir);
  }

  @AfterEach
  void close() {
    store.close();
  }

  @Test
  void signIn_givesThePrincipalOfTheUser_andStoresOnlyTheIdsHash() {
    Logins.SignedIn s = logins.signIn("ann", "ann's long password").orElseThrow();
    assertThat(s.principal().role()).isEqualTo(Role.ANALYST);
    assertThat(s.principal().projects()).containsExactly("default");
    assertThat(s.principal().actor()).isEqualTo("ann (user:ann)");
    assertThat(s.sessionId()).hasSize(43);
    assertThat(s.csrfToken()).isEqualTo(Logins.csrfToken(s.sessionId())).isNotEqualTo(Logins.sha256(s.sessionId()));
    Optional<dev.assay.server.store.CredentialStore.Session> byRawId = store.read(tx -> tx.credentials().session(s.sessionId()));
    Optional<dev.assay.server.store.CredentialStore.Session> byHash =
        store.read(tx -> tx.credentials().session(Logins.sha256(s.sessionId())));
    assertThat(byRawId).isEmpty();
    assertThat(byHash).isPresent();
    assertThat(logins.signIn("ann", "wrong password!!")).isEmpty();
    assertThat(logins.signIn("nobody", "ann's long password")).isEmpty();
  }

  @Test
  void session_endsAfterTheIdleTime_andKeepsLivingWhileUsed() {
    String id = logins.signIn("ann", "ann's long password").orElseThrow().sessionId();
    for (int i = 0; i < 4; i++) {
      clock.now = clock.now.plus(Duration.ofMinutes(50));
      assertThat(logins.resolve(id)).as("used every 50 minutes").isPresent();
    }
    clock.now = clock.now.plus(Duration.ofMinutes(61));
    assertThat(logins.resolve(id)).isEmpty();
  }

  @Test
  void session_endsAtTheAbsoluteLifetime_evenWhenUsed() {
    String id = logins.signIn("ann", "ann's long password").orElseThrow().sessionId();
    for (int i = 0; i < 9; i++) {
      clock.now = clock.now.plus(Duration.ofMinutes(30));
      assertThat(logins.resolve(id)).isPresent();
    }
    clock.now = clock.now.plus(Duration.ofMinutes(30)); // 5 h after sign-in
    assertThat(logins.resolve(id)).isEmpty();
  }

  @Test
  void passwordChange_endsTheUsersSessions_andRoleChangesApplyAtOnce() throws Exception {
    String id = logins.signIn("ann", "ann's long password").orElseThrow().sessionId();
    long version = config.get(Kind.USER, "default", "ann").get("version").asLong();
    config.update(Kind.USER, "default", "ann", new ObjectMapper().readTree("{\"role\":\"viewer\",\"version\":" + version
        + "}"), false, "test");
    assertThat(logins.resolve(id).orElseThrow().principal().role()).isEqualTo(Role.VIEWER);
    logins.setPassword("ann", "a brand new password", "test");
    assertThat(logins.resolve(id)).isEmpty();
    assertThat(logins.signIn("ann", "ann's long password")).isEmpty();
    assertThat(logins.signIn("ann", "a brand new password")).isPresent();
  }

  @Test
  void setPassword_refusesUnknownUsersAndShortPasswords() {
    assertThatThrownBy(() -> logins.setPassword("nobody", "long enough password", "t"))
        .isInstanceOf(DomainException.class).hasMessageContaining("not found");
    assertThatThrownBy(() -> logins.setPassword("ann", "short", "t")).hasMessageContaining("password: must be at least 12");
  }

  @Test
  void deletingTheUser_endsItsSessions_andARecreatedUserHasNoPassword() throws Exception {
    String id = logins.signIn("ann", "ann's long password").orElseThrow().sessionId();
    long version = config.get(Kind.USER, "default", "ann").get("version").asLong();
    config.delete(Kind.USER, "default", "ann", version, "test");
    assertThat(logins.resolve(id)).isEmpty();
    config.create(Kind.USER, "default", new ObjectMapper().readTree("{\"key\":\"ann\",\"role\":\"admin\"}"), "test");
    assertThat(logins.hasPassword("ann")).isFalse();
    assertThat(logins.signIn("ann", "ann's long password")).isEmpty();
  }

  @Test
  void signOut_endsTheSession() {
    String id = logins.signIn("ann", "ann's long password").orElseThrow().sessionId();
    logins.signOut(id);
    assertThat(logins.resolve(id)).isEmpty();
  }
}
