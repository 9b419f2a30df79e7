package dev.assay.server;

import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/**
 * Checks that the server can listen on its host and port, so a port taken by another process
 * fails the start at once with a message naming the port, before any state (an admin key, demo
 * data) is created. Helidon itself only logs a failed bind and reports port -1.
 */
final class ListenAddress {

  private ListenAddress() {}

  /** Throws {@link AssayServer.CannotListenException} naming the port if it cannot be bound now; port 0 always can. */
  static void requireBindable(String host, int port) {
    if (port == 0) {
      return;
    }
    try (ServerSocket probe = new ServerSocket()) {
      probe.setReuseAddress(true);
      probe.bind(new InetSocketAddress(host, port));
    } catch (BindException e) {
      throw inUse(host, port);
    } catch (IOException | IllegalArgumentException | SecurityException e) {
      throw new AssayServer.CannotListenException("cannot listen on " + host + ":" + port + ": " + e.getMessage(), e);
    }
  }

  /** The failure to report when the web server started without a listening socket. */
  static AssayServer.CannotListenException notListening(String host, int port) {
    try {
      requireBindable(host, port);
    } catch (AssayServer.CannotListenException e) {
      return e;
    }
    return new AssayServer.CannotListenException("cannot listen on " + host + ":" + port);
  }

  private static AssayServer.CannotListenException inUse(String host, int port) {
    return new AssayServer.CannotListenException("port " + port + " is in use (on " + host
        + "); stop the process using it or choose another port with --port or ASSAY_PORT");
  }
}
