package dev.assay.server.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.assay.server.domain.DomainException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class PasswordsTest {
  private final Passwords passwords = new Passwords(new SecureRandom(), 10_000);

  @Test
  void verify_matchesTheRfc7914Pbkdf2HmacSha256Vector() {
    // RFC 7914 §11: PBKDF2-HMAC-SHA256 (P="passwd", S="salt", c=1); the first 32 bytes of its 64.
    byte[] expected = HexFormat.of().parseHex("55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc");
    String stored = "pbkdf2-sha256$1$" + Base64.getEncoder().withoutPadding().encodeToString("salt".getBytes())
        + "$" + Base64.getEncoder().withoutPadding().encodeToString(expected);
    assertThat(Passwords.verify("passwd", stored)).isTrue();
    assertThat(Passwords.verify("passwe", stored)).isFalse();
  }

  @Test
  void hash_isSaltedPerPassword_andVerifiesOnlyTheSamePassword() {
    String a = passwords.hash("correct horse battery");
    String b = passwords.hash("correct horse battery");
    assertThat(a).startsWith("pbkdf2-sha256$10000$").isNotEqualTo(b).doesNotContain("correct");
    assertThat(Passwords.verify("correct horse battery", a)).isTrue();
    assertThat(Passwords.verify("correct horse battery", b)).isTrue();
    assertThat(Passwords.verify("correct horse batterY", a)).isFalse();
    assertThat(Passwords.verify("", a)).isFalse();
    assertThat(Passwords.verify("x", "not a hash")).isFalse();
  }

  @Test
  void defaultIterations_followOwasp() {
    assertThat(new Passwords(new SecureRandom()).hash("a long enough password")).startsWith("pbkdf2-sha256$600000$");
  }

  @Test
  void validate_refusesShortPasswords_namingTheField() {
    assertThatThrownBy(() -> Passwords.validate("eleven char"))
        .isInstanceOf(DomainException.class).hasMessage("password: must be at least 12 characters, was 11");
    assertThatThrownBy(() -> Passwords.validate("")).hasMessage("password: is required");
    assertThatThrownBy(() -> Passwords.validate("x".repeat(201))).hasMessageContaining("at most 200");
    Passwords.validate("twelve chars");
  }

  @Test
  void generate_makesLongRandomPasswords() {
    String p = passwords.generate();
    assertThat(p).hasSize(20).isNotEqualTo(passwords.generate());
    Passwords.validate(p);
  }
}
