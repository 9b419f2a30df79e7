package dev.assay.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code assay login}: checks an API key against a server and stores both in the user's config
 * file, which the other remote commands read when neither a flag nor the environment gives them.
 */
@Command(name = "login", mixinStandardHelpOptions = true,
    description = {"Check an API key against a server and store both for later commands.",
        "The file is $XDG_CONFIG_HOME/assay/config.json (else ~/.config/assay/config.json; mode 0600).",
        "Without --token the key is asked for on the terminal (not echoed), or read from standard input."},
    footer = {"", "Examples:", "  assay login --server http://localhost:8080",
        "  echo \"$ASSAY_ADMIN_TOKEN\" | assay login --server http://localhost:8080 --project demo"})
final class LoginCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--server", required = true, paramLabel = "URL", description = "The Assay server, e.g. http://localhost:8080.")
  String server;

  @Option(names = "--token", paramLabel = "TOKEN", description = "The API key (else prompted for, or read from stdin).")
  String token;

  @Option(names = "--project", paramLabel = "KEY",
      description = "Project later commands use by default (else '" + RemoteOptions.DEFAULT_PROJECT + "').")
  String project;

  @Override
  public Integer call() {
    CliContext context = ((AssayCli) spec.root().userObject()).context();
    URI base = RemoteOptions.baseUri(server, "--server");
    String key = token != null ? token.strip() : readToken(context, base);
    if (key.isEmpty()) {
      throw new CliInputException("--token: the API key is empty");
    }
    String checkedProject = project == null ? RemoteOptions.DEFAULT_PROJECT : project;
    new ApiClient(base, key, checkedProject).get("/flags");
    Path file = LoginConfig.location(context);
    new LoginConfig(base.toString(), key, Optional.ofNullable(project)).write(file);
    spec.commandLine().getOut().println("logged in to " + base + " (project " + checkedProject + "); saved to " + file);
    spec.commandLine().getOut().flush();
    return 0;
  }

  private String readToken(CliContext context, URI base) {
    if (context.console().isPresent()) {
      char[] typed = context.console().get().readPassword("API key for %s: ", base);
      if (typed == null) {
        throw new CliInputException("--token: no API key typed");
      }
      return new String(typed).strip();
    }
    try {
      String line = new BufferedReader(new InputStreamReader(context.stdin(), StandardCharsets.UTF_8)).readLine();
      if (line == null) {
        throw new CliInputException("--token: no API key given (standard input is empty and not a terminal)");
      }
      return line.strip();
    } catch (IOException e) {
      throw new CliInputException("--token: cannot read the API key from standard input: " + e.getMessage());
    }
  }
}
