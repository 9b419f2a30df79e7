package dev.assay.cli;

import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;

/**
 * What {@code assay serve} prints once it listens: the address to use, the admin token (when this
 * start created it) and curl commands that work when pasted as they are, with the real token or
 * {@code $ASSAY_ADMIN_TOKEN} and an address the server is reachable at.
 */
final class ServeBanner {

  private final String bindHost;
  private final int port;
  private final Optional<String> generatedToken;
  private final boolean tokenFromEnv;

  /**
   * {@code generatedToken} is the admin token this start created; without it commands use
   * {@code $ASSAY_ADMIN_TOKEN} ({@code tokenFromEnv}: the server was given it that way).
   */
  ServeBanner(String bindHost, int port, Optional<String> generatedToken, boolean tokenFromEnv) {
    this.bindHost = bindHost;
    this.port = port;
    this.generatedToken = generatedToken;
    this.tokenFromEnv = tokenFromEnv;
  }

  /** The curl header argument, quoted for a POSIX shell. */
  private String auth() {
    return generatedToken.map(t -> "'Authorization: Bearer " + t + "'")
        .orElse("\"Authorization: Bearer $ASSAY_ADMIN_TOKEN\"");
  }

  /**
   * The base URL to reach the server from this machine: the bound address, or {@code localhost}
   * when bound to every interface (0.0.0.0 or ::).
   */
  String base() {
    String host = isWildcard() ? "localhost" : bindHost;
    return "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
  }

  private boolean isWildcard() {
    try {
      return InetAddress.getByName(bindHost).isAnyLocalAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }

  void printRunning(PrintWriter out, String store) {
    out.println("Assay is running on " + base() + " (store: " + store + ")");
    if (isWildcard()) {
      out.println("  listening on all interfaces (" + bindHost + ":" + port + "); from another machine use this"
          + " host's name or address instead of localhost");
    }
  }

  /**
   * Where to sign in to the web UI: as 'admin' with the password this start generated (shown only
   * once), or with {@code ASSAY_ADMIN_PASSWORD}.
   */
  void printSignIn(PrintWriter out, Optional<String> generatedPassword, boolean passwordFromEnv) {
    out.println();
    if (generatedPassword.isPresent()) {
      out.println("Web UI: open " + base() + "/ and sign in as user 'admin' with this password (shown only once):");
      out.println("  " + generatedPassword.get());
    } else if (passwordFromEnv) {
      out.println("Web UI: open " + base() + "/ and sign in as user 'admin' with $ASSAY_ADMIN_PASSWORD.");
    } else {
      out.println("Web UI: open " + base() + "/ and sign in (user 'admin': the password printed at the first start).");
    }
  }

  /** The admin token (when this start created it) and a first command. */
  void printUsage(PrintWriter out) {
    out.println();
    generatedToken.ifPresent(t -> {
      out.println("First start: an admin API key was created. It is shown only once:");
      out.println("  " + t);
    });
    if (generatedToken.isEmpty() && !tokenFromEnv) {
      out.println("Admin token: the one printed at the first start with this data directory;"
          + " export ASSAY_ADMIN_TOKEN=<it> for the commands below.");
    }
    out.println("Try:");
    out.println("  curl -H " + auth() + " '" + base() + "/api/v1/flags'");
  }

  /** The demo project's commands: flags, experiments and the SDK payload. */
  void printDemo(PrintWriter out, Optional<String> clientKey) {
    out.println();
    out.println("Demo project 'demo' seeded. Try:");
    out.println("  curl -H " + auth() + " '" + base() + "/api/v1/flags?project=demo'");
    out.println("  curl -H " + auth() + " '" + base() + "/api/v1/experiments?project=demo'");
    clientKey.ifPresent(k -> out.println("  curl " + base() + "/api/features/" + k + "      # the SDK payload"));
    out.println("Results of the running experiments (14 days of simulated traffic; checkout-button, search-ranking-aa):");
    out.println("  curl -X POST -H " + auth() + " '" + base() + "/api/v1/experiments/checkout-button/refresh?project=demo'");
  }

  void printFooter(PrintWriter out) {
    out.println("API reference: " + base() + "/api/v1/openapi.json · docs/api.md. Stop with Ctrl-C.");
  }
}
