package dev.assay.server.api;

import java.time.Duration;

/**
 * Limits on HTTP connections, so that slow or numerous clients cannot hold the server's
 * resources (slowloris: a request trickled one byte a second). Server-sent event streams are
 * exempt from the time limits once their request head is read; they keep their heartbeat.
 *
 * @param headerTimeout the request line and headers must arrive within this time from the request's
 *     first byte, else the connection is closed
 * @param bodyTimeout a request's body must have arrived within this time from the end of its
 *     headers (a chunked body: its answer must have begun), else the connection is closed
 * @param idleTimeout a keep-alive connection with no request for this long is closed
 * @param readTimeout a connection on which no byte arrives for this long while a read waits is closed
 * @param maxConnections open connections at once; further clients wait in the accept backlog
 * @param maxConnectionsPerClient open connections at once from one IP address; one more is answered 429 and closed
 * @param maxConcurrentRequests requests handled at once; further ones are answered 503
 * @param maxHeaderBytes largest request head (request line plus headers), in bytes; larger is 431 or 400
 */
public record HttpLimits(Duration headerTimeout, Duration bodyTimeout, Duration idleTimeout, Duration readTimeout,
    int maxConnections, int maxConnectionsPerClient, int maxConcurrentRequests, int maxHeaderBytes) {

  /** The defaults: 10 s, 60 s, 60 s, 30 s, 20,000, 1,000, 10,000, 16 KiB. */
  public static final HttpLimits DEFAULT = new HttpLimits(Duration.ofSeconds(10), Duration.ofSeconds(60),
      Duration.ofSeconds(60), Duration.ofSeconds(30), 20_000, 1_000, 10_000, 16 << 10);

  public HttpLimits {
    positive("headerTimeout", headerTimeout);
    positive("bodyTimeout", bodyTimeout);
    positive("idleTimeout", idleTimeout);
    positive("readTimeout", readTimeout);
    atLeast("maxConnections", maxConnections, 1);
    atLeast("maxConnectionsPerClient", maxConnectionsPerClient, 1);
    atLeast("maxConcurrentRequests", maxConcurrentRequests, 1);
    atLeast("maxHeaderBytes", maxHeaderBytes, 1024);
  }

  public HttpLimits withHeaderTimeout(Duration d) {
    return new HttpLimits(d, bodyTimeout, idleTimeout, readTimeout, maxConnections, maxConnectionsPerClient,
        maxConcurrentRequests, maxHeaderBytes);
  }

  public HttpLimits withBodyTimeout(Duration d) {
    return new HttpLimits(headerTimeout, d, idleTimeout, readTimeout, maxConnections, maxConnectionsPerClient,
        maxConcurrentRequests, maxHeaderBytes);
  }

  public HttpLimits withIdleTimeout(Duration d) {
    return new HttpLimits(headerTimeout, bodyTimeout, d, readTimeout, maxConnections, maxConnectionsPerClient,
        maxConcurrentRequests, maxHeaderBytes);
  }

  public HttpLimits withMaxConnectionsPerClient(int n) {
    return new HttpLimits(headerTimeout, bodyTimeout, idleTimeout, readTimeout, maxConnections, n,
        maxConcurrentRequests, maxHeaderBytes);
  }

  public HttpLimits withMaxConnections(int n) {
    return new HttpLimits(headerTimeout, bodyTimeout, idleTimeout, readTimeout, n, maxConnectionsPerClient,
        maxConcurrentRequests, maxHeaderBytes);
  }

  private static void positive(String field, Duration d) {
    if (d == null || d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(field + " must be positive, was " + d);
    }
  }

  private static void atLeast(String field, int n, int min) {
    if (n < min) {
      throw new IllegalArgumentException(field + " must be at least " + min + ", was " + n);
    }
  }
}
