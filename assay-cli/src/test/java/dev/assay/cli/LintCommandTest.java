package dev.assay.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code assay lint}: lines, exit codes and JSON output over real files. */
class LintCommandTest {
  private static final Path EXAMPLES = Path.of("..", "examples", "as-code");

  @Test
  void exampleDirectory_isClean_exit0() {
    CliRun run = CliRun.of("lint", "-f", EXAMPLES.toString());
    assertThat(run.exitCode()).as(run.out() + run.err()).isZero();
    assertThat(run.out()).contains("3 files: 0 errors, 0 warnings");
  }

  @Test
  void errors_exit1_withFileAndPathLines(@TempDir Path dir) throws IOException {
    Files.writeString(dir.resolve("exp.yaml"), Files.readString(EXAMPLES.resolve("checkout-progress-bar.yaml"))
        .replace("owner:", "ownr:"));
    CliRun run = CliRun.of("lint", "-f", dir.toString());
    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.out()).contains("exp.yaml:ownr: error: unknown field 'ownr' (not in the experiment schema)");
  }

  @Test
  void warnings_exit0_andJsonOutput(@TempDir Path dir) throws IOException {
    for (String f : new String[] {"metrics.yaml", "segments.yaml"}) {
      Files.copy(EXAMPLES.resolve(f), dir.resolve(f));
    }
    Files.writeString(dir.resolve("exp.yaml"), Files.readString(EXAMPLES.resolve("checkout-progress-bar.yaml"))
        .replace("  primary: checkout_completion_rate\n", "  primary: checkout_completion_rate\n  baseline_rate: 0.1\n")
        .replace("target_sample_size_per_variant: 5000", "target_sample_size_per_variant: 5000,"
            + " minimum_detectable_effect: 20%"));
    CliRun run = CliRun.of("lint", "-f", dir.toString(), "--daily-traffic", "1000", "--output", "json");
    assertThat(run.exitCode()).as(run.out() + run.err()).isZero();
    assertThat(run.out()).contains("\"errors\" : 0").contains("\"warnings\" : 2").contains("that takes 10 days");
  }

  @Test
  void missingPath_isBadInput_exit2() {
    CliRun run = CliRun.of("lint", "-f", "no/such/dir");
    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("no such file or directory");
  }
}
