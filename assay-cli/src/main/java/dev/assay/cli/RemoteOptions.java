package dev.assay.cli;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Optional;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The connection options every remote command takes (a picocli mixin): {@code --server},
 * {@code --token}, {@code --project} and {@code --output}. Each value comes from the flag, else
 * the environment ({@code ASSAY_SERVER}, {@code ASSAY_TOKEN}, {@code ASSAY_PROJECT}), else the
 * file {@code assay login} wrote; the project defaults to the server's default project.
 */
final class RemoteOptions {
  /** The project the server uses when a request names none. */
  static final String DEFAULT_PROJECT = "default";

  /** How a command prints what the server answered. */
  enum Output { table, json }

  @Spec(Spec.Target.MIXEE) CommandSpec mixee;

  @Option(names = "--server", paramLabel = "URL",
      description = "The Assay server, e.g. http://localhost:8080 (else $ASSAY_SERVER, else the login config).")
  String server;

  @Option(names = "--token", paramLabel = "TOKEN",
      description = "API key (else $ASSAY_TOKEN, else the login config). Never printed.")
  String token;

  @Option(names = "--project", paramLabel = "KEY",
      description = "Project (else $ASSAY_PROJECT, else the login config, else '" + DEFAULT_PROJECT + "').")
  String project;

  @Option(names = "--output", paramLabel = "FORMAT", defaultValue = "table",
      description = "table (readable) or json (the server's JSON, for scripts). Default: ${DEFAULT-VALUE}.")
  Output output;

  boolean json() {
    return output == Output.json;
  }

  /** The context of the {@code assay} command this mixin runs under. */
  CliContext context() {
    return ((AssayCli) mixee.root().userObject()).context();
  }

  /** The resolved project. */
  String project() {
    return resolve(project, "ASSAY_PROJECT", LoginConfig::project).map(Value::value).orElse(DEFAULT_PROJECT);
  }

  /** A client for the resolved server and token; a missing or malformed one is a usage error. */
  ApiClient client() {
    Value url = resolve(server, "ASSAY_SERVER", c -> Optional.of(c.server())).orElseThrow(() ->
        new CliInputException("no server given: pass --server URL, set ASSAY_SERVER, or run"
            + " assay login --server URL"));
    Value key = resolve(token, "ASSAY_TOKEN", c -> Optional.of(c.token())).orElseThrow(() ->
        new CliInputException("no API key given: pass --token, set ASSAY_TOKEN, or run assay login"));
    return new ApiClient(baseUri(url.value(), url.source()), key.value(), project());
  }

  /** Checks and normalises a server URL; {@code source} names where it came from in errors. */
  static URI baseUri(String url, String source) {
    URI uri;
    try {
      uri = new URI(url.strip());
    } catch (URISyntaxException e) {
      throw new CliInputException(source + ": '" + url + "' is not a URL (" + e.getReason() + ")");
    }
    if (!"http".equalsIgnoreCase(uri.getScheme()) && !"https".equalsIgnoreCase(uri.getScheme())
        || uri.getHost() == null) {
      throw new CliInputException(source + ": '" + url + "' must be an http or https URL with a host,"
          + " e.g. http://localhost:8080");
    }
    String s = uri.toString();
    return URI.create(s.endsWith("/") ? s.substring(0, s.length() - 1) : s);
  }

  private record Value(String value, String source) {}

  private Optional<Value> resolve(String flag, String variable,
      java.util.function.Function<LoginConfig, Optional<String>> stored) {
    if (flag != null && !flag.isBlank()) {
      return Optional.of(new Value(flag, "--" + variable.substring("ASSAY_".length()).toLowerCase(java.util.Locale.ROOT)));
    }
    Optional<String> env = context().env(variable);
    if (env.isPresent()) {
      return Optional.of(new Value(env.get(), variable));
    }
    java.nio.file.Path file = LoginConfig.location(context());
    return LoginConfig.read(file).flatMap(stored).map(v -> new Value(v, file.toString()));
  }
}
