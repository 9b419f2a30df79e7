package dev.assay.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code assay} command. Each subcommand is a small class in this package; this class only
 * wires them together and maps failures to exit codes: 0 success, 1 a failure while running,
 * 2 bad input (usage errors and {@link CliInputException}).
 */
@Command(
    name = "assay",
    mixinStandardHelpOptions = true,
    versionProvider = AssayCli.Version.class,
    description = "Assay: feature flags, experiments and the statistics to judge them.",
    subcommands = {
      ServeCommand.class,
      EvalCommand.class,
      AnalyzeCommand.class,
      SampleSizeCommand.class,
      VerifyStatsCommand.class,
      SimulateCommand.class,
      LoginCommand.class,
      LogoutCommand.class,
      FlagsCommand.class,
      ExperimentsCommand.class,
      MetricsCommand.class,
      ResultsCommand.class,
      ReproduceCommand.class,
      EventsCommand.class,
      PlanCommand.class,
      ApplyCommand.class,
      ExportCommand.class,
      LintCommand.class,
      ChangesCommand.class,
      SchedulesCommand.class,
      CompletionCommand.class,
      CommandLine.HelpCommand.class,
    })
public final class AssayCli implements java.util.concurrent.Callable<Integer> {

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  private final CliContext context;

  AssayCli(CliContext context) {
    this.context = context;
  }

  /** The process environment, standard input and console the remote commands read. */
  CliContext context() {
    return context;
  }

  /** {@code assay} without a command: the usage, on stderr, and exit code 2. */
  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getErr());
    spec.commandLine().getErr().flush();
    return EXIT_BAD_INPUT;
  }

  /** Exit code for bad input. */
  static final int EXIT_BAD_INPUT = 2;

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs the command line and returns the exit code; never calls {@code System.exit}. */
  public static int run(String... args) {
    return commandLine().execute(args);
  }

  /** The configured command line (tests use it to capture output). */
  static CommandLine commandLine() {
    return commandLine(CliContext.system());
  }

  /** The command line reading its environment, stdin and console from {@code context}. */
  static CommandLine commandLine(CliContext context) {
    CommandLine cl = new CommandLine(new AssayCli(context));
    // A usage error is one line naming the option, picocli's "did you mean" suggestions, and a
    // pointer to the help; an unknown command gets the usage itself, which lists the commands.
    cl.setParameterExceptionHandler((ex, args) -> {
      CommandLine failed = ex.getCommandLine();
      java.io.PrintWriter err = failed.getErr();
      err.println(failed.getCommandSpec().qualifiedName() + ": " + ex.getMessage());
      CommandLine.UnmatchedArgumentException.printSuggestions(ex, err);
      if (failed.getCommandSpec().userObject() instanceof AssayCli) {
        err.println();
        failed.usage(err);
      } else {
        err.println("(see " + failed.getCommandSpec().qualifiedName() + " --help)");
      }
      err.flush();
      // plan's exit code 2 means "changes planned", so a usage error of plan is 1 (an error).
      return failed.getCommandSpec().userObject() instanceof PlanCommand ? 1 : EXIT_BAD_INPUT;
    });
    cl.setExecutionExceptionHandler(
        (ex, line, parseResult) -> {
          if (ex instanceof CliFailure) {
            line.getErr().println(line.getCommandSpec().qualifiedName() + ": " + ex.getMessage());
            line.getErr().flush();
            return 1;
          }
          if (ex instanceof CliInputException) {
            line.getErr().println(line.getCommandSpec().qualifiedName() + ": " + ex.getMessage());
            line.getErr().flush();
            return EXIT_BAD_INPUT;
          }
          line.getErr()
              .println(line.getCommandSpec().qualifiedName() + ": failed: " + describe(ex));
          line.getErr().flush();
          return 1;
        });
    return cl;
  }

  private static String describe(Throwable ex) {
    StringBuilder sb = new StringBuilder(String.valueOf(ex.getMessage()));
    for (Throwable c = ex.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
      if (c.getMessage() != null && !sb.toString().contains(c.getMessage())) {
        sb.append(": ").append(c.getMessage());
      }
    }
    return sb.toString();
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = AssayCli.class.getPackage().getImplementationVersion();
      return new String[] {"assay " + (v == null ? "development build" : v)};
    }
  }
}
