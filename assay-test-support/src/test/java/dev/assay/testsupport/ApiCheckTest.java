package dev.assay.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import dev.assay.testsupport.fixture.Sample;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class ApiCheckTest {

  private static Set<String> sampleApi() throws URISyntaxException {
    Path classes = Path.of(Sample.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    return ApiCheck.entriesOf(classes, Sample.class.getClassLoader()).stream()
        .filter(e -> e.startsWith("dev.assay.testsupport.fixture."))
        .collect(Collectors.toCollection(LinkedHashSet::new));
  }

  @Test
  void entries_listPublicAndProtectedMembersWithGenericSignatures() throws Exception {
    assertThat(sampleApi()).contains(
        "dev.assay.testsupport.fixture.Sample = public class dev.assay.testsupport.fixture.Sample",
        "dev.assay.testsupport.fixture.Sample: public Sample()",
        "dev.assay.testsupport.fixture.Sample: public static final java.lang.String NAME",
        "dev.assay.testsupport.fixture.Sample: protected int counter",
        "dev.assay.testsupport.fixture.Sample: public static <T extends java.lang.Comparable<T>> T"
            + " max(java.util.List<T>)",
        "dev.assay.testsupport.fixture.Sample: public @Nullable java.lang.String maybe(java.lang.String...)",
        "dev.assay.testsupport.fixture.Sample: @Deprecated protected void old() throws java.io.IOException",
        "dev.assay.testsupport.fixture.Sample$Mode: public static final dev.assay.testsupport.fixture.Sample$Mode ON");
  }

  @Test
  void entries_leaveOutWhatUsersCannotReach() throws Exception {
    assertThat(sampleApi())
        .noneMatch(e -> e.contains("Internal") || e.contains("hidden") || e.contains("packagePrivateField")
            || e.contains("Sample(int)"));
  }

  @Test
  void diff_namesRemovedAndAddedLinesWithTheirType() {
    Set<String> before = ApiCheck.entries("public final class a.B\n  public void run()\n  public int size()\n");
    Set<String> after = ApiCheck.entries("public final class a.B\n  public void run(int)\n  public int size()\n");

    assertThat(ApiCheck.diff(before, after)).isEqualTo("  - a.B: public void run()\n  + a.B: public void run(int)\n");
    assertThat(ApiCheck.diff(before, before)).isEmpty();
  }

  @Test
  void verify_failsOnAChangedApiAndNamesTheAcceptCommand() throws Exception {
    Path dir = Files.createTempDirectory("api-check");
    String previous = System.getProperty("basedir");
    System.setProperty("basedir", dir.toString());
    try {
      Files.createDirectories(dir.resolve("api"));
      Files.writeString(dir.resolve("api/sample.api"), "public class dev.assay.testsupport.fixture.Sample\n"
          + "  public void removedMethod()\n");
      AssertionError e = org.junit.jupiter.api.Assertions.assertThrows(AssertionError.class,
          () -> ApiCheck.verify("sample", Sample.class));
      assertThat(e.getMessage())
          .contains("  - dev.assay.testsupport.fixture.Sample: public void removedMethod()")
          .contains("  + dev.assay.testsupport.fixture.Sample: public Sample()")
          .contains("-Dassay.api.accept=true");
    } finally {
      if (previous == null) {
        System.clearProperty("basedir");
      } else {
        System.setProperty("basedir", previous);
      }
    }
  }
}
