package dev.assay.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The top-level {@code assay} command: usage, suggestions, and help texts that render cleanly. */
class AssayCliTest {

  @Test
  void noCommand_printsUsageListingTheCommandsAndExits2() {
    CliRun run = CliRun.of();

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("Usage: assay").contains("serve").contains("sample-size").contains("analyze");
  }

  @Test
  void unknownCommand_suggestsTheNearestAndPrintsUsage_exit2() {
    CliRun typo = CliRun.of("serv");
    CliRun option = CliRun.of("sample-size", "proportion", "--baseline", "0.1", "--relative-mdee", "0.1");

    assertThat(typo.exitCode()).isEqualTo(2);
    assertThat(typo.err()).contains("Unmatched argument").contains("'serv'").contains("Did you mean")
        .contains("serve").contains("Usage: assay");
    assertThat(option.exitCode()).isEqualTo(2);
    assertThat(option.err()).contains("Possible solutions: --relative-mde")
        .contains("(see assay sample-size proportion --help)");
  }

  @Test
  void everyCommandsHelp_rendersWithoutPicocliWarnings() {
    // picocli formats help texts with String.format; an unescaped % makes it warn on stderr.
    java.io.ByteArrayOutputStream warnings = new java.io.ByteArrayOutputStream();
    java.io.PrintStream stderr = System.err;
    System.setErr(new java.io.PrintStream(warnings, true, java.nio.charset.StandardCharsets.UTF_8));
    try {
      renderAll(AssayCli.commandLine());
    } finally {
      System.setErr(stderr);
    }

    assertThat(warnings.toString(java.nio.charset.StandardCharsets.UTF_8)).doesNotContain("WARN");
    assertThat(CliRun.of("sample-size", "proportion", "--help").out()).contains("+10%.").doesNotContain("%%");
  }

  private static void renderAll(CommandLine cl) {
    cl.usage(new java.io.PrintWriter(java.io.Writer.nullWriter()));
    cl.getSubcommands().values().forEach(AssayCliTest::renderAll);
  }
}
