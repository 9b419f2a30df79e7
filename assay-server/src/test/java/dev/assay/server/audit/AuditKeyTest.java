package dev.assay.server.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuditKeyTest {
  @TempDir
  Path dir;

  @Test
  void load_withoutKeyFile_createsAnOwnerOnlyFileAndReusesItNextTime() throws Exception {
    AuditKey first = AuditKey.load(Optional.empty(), dir);
    Path file = dir.resolve(AuditKey.FILE_NAME);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
    assertThat(Files.readString(file).strip()).hasSize(64);
    AuditKey again = AuditKey.load(Optional.empty(), dir);
    assertThat(again.mac("x")).isEqualTo(first.mac("x"));
    assertThat(AuditKey.load(Optional.empty(), Files.createDirectory(dir.resolve("other"))).mac("x"))
        .isNotEqualTo(first.mac("x"));
  }

  @Test
  void load_keyFileReadableByGroup_failsNamingTheFile() throws Exception {
    AuditKey.load(Optional.empty(), dir);
    Path file = dir.resolve(AuditKey.FILE_NAME);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r-----"));
    assertThatThrownBy(() -> AuditKey.load(Optional.empty(), dir))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(file.toString()).hasMessageContaining("chmod 600");
  }

  @Test
  void load_fromEnvironment_usesItAndWritesNoFile() {
    AuditKey key = AuditKey.load(Optional.of("k".repeat(32)), dir);
    assertThat(key.matches("m", AuditKey.of("k".repeat(32).getBytes(java.nio.charset.StandardCharsets.UTF_8)).mac("m"))).isTrue();
    assertThat(dir.resolve(AuditKey.FILE_NAME)).doesNotExist();
    assertThatThrownBy(() -> AuditKey.load(Optional.of("short"), dir)).hasMessageContaining("ASSAY_AUDIT_KEY");
  }
}
