package dev.assay.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code assay logout}: deletes the file {@code assay login} wrote. */
@Command(name = "logout", mixinStandardHelpOptions = true,
    description = "Forget the stored server and API key (deletes the login config file).")
final class LogoutCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    Path file = LoginConfig.location(((AssayCli) spec.root().userObject()).context());
    spec.commandLine().getOut().println(LoginConfig.delete(file) ? "logged out; deleted " + file
        : "not logged in (no " + file + ")");
    spec.commandLine().getOut().flush();
    return 0;
  }
}
