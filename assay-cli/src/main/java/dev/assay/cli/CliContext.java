package dev.assay.cli;

import java.io.Console;
import java.io.InputStream;
import java.util.Map;
import java.util.Optional;

/**
 * What the remote commands read from the process: environment variables (ASSAY_SERVER,
 * ASSAY_TOKEN, ASSAY_PROJECT, XDG_CONFIG_HOME, HOME), standard input and the console. Tests pass
 * their own, so that precedence and the config file are tested without touching the real ones.
 *
 * @param env environment variables
 * @param stdin standard input (read by {@code assay login} when there is no terminal)
 * @param console the terminal, when there is one (prompts without echo)
 */
record CliContext(Map<String, String> env, InputStream stdin, Optional<Console> console) {
  CliContext {
    env = Map.copyOf(env);
  }

  /** The real process: {@code System.getenv()}, {@code System.in}, the console if interactive. */
  static CliContext system() {
    return new CliContext(System.getenv(), System.in, terminal());
  }

  Optional<String> env(String name) {
    return Optional.ofNullable(env.get(name)).filter(v -> !v.isBlank());
  }

  /*
   * Since JDK 22 System.console() may return a console that is not a terminal (redirected
   * streams); Console.isTerminal() tells, but this module compiles for Java 21, so ask for it by
   * reflection and take the console as it is on a JDK without the method.
   */
  private static Optional<Console> terminal() {
    Console c = System.console();
    if (c == null) {
      return Optional.empty();
    }
    try {
      Object terminal = Console.class.getMethod("isTerminal").invoke(c);
      return Boolean.TRUE.equals(terminal) ? Optional.of(c) : Optional.empty();
    } catch (ReflectiveOperationException e) {
      return Optional.of(c);
    }
  }
}
