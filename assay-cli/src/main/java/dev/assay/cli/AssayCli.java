package dev.assay.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code assay} command. Each subcommand is a small class in this package; this class only
 * wires them together and maps failures to exit codes.
 */
@Command(
    name = "assay",
    mixinStandardHelpOptions = true,
    versionProvider = AssayCli.Version.class,
    description = "Assay: feature flags, experiments and the statistics to judge them.",
    subcommands = {CommandLine.HelpCommand.class})
public final class AssayCli {

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs the command line and returns the exit code; never calls {@code System.exit}. */
  public static int run(String... args) {
    return new CommandLine(new AssayCli()).execute(args);
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = AssayCli.class.getPackage().getImplementationVersion();
      return new String[] {"assay " + (v == null ? "development build" : v)};
    }
  }
}
