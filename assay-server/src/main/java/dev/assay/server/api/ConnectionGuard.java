package dev.assay.server.api;

import io.helidon.common.buffers.BufferData;
import io.helidon.common.concurrency.limits.Limit;
import io.helidon.http.HeaderNames;
import io.helidon.http.Headers;
import io.helidon.http.HttpPrologue;
import io.helidon.http.Status;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.ProtocolConfigs;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.http1.Http1Config;
import io.helidon.webserver.http1.Http1ConnectionListener;
import io.helidon.webserver.http1.Http1ConnectionProvider;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.spi.ServerConnection;
import io.helidon.webserver.spi.ServerConnectionSelector;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * Applies {@link HttpLimits} to a Helidon listener. Helidon bounds total connections, concurrent
 * requests, idle keep-alive connections, silent reads and head sizes itself; what it lacks is a
 * deadline on a request that trickles in (each byte resets the read timeout) and a cap per
 * client. This guard wraps the HTTP/1 connection selector to count connections per IP address (one
 * over the cap is answered 429 and closed) and follows each connection through Helidon's receive
 * and send listeners: a request's head must be complete within the header timeout of its first
 * byte (of its request line, for later requests on a keep-alive connection), and its body, if it
 * has one, within the body timeout of its headers: until the route says it has read the body
 * ({@link #bodyReceived}) or the answer begins. A watchdog thread closes the socket of a
 * connection past either deadline. Handling has no deadline: a request without a body (an SSE
 * stream, say) has none once its head is read, one with a body none once the body is in.
 * Thread-safe; {@link #close()} stops the watchdog.
 */
public final class ConnectionGuard implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(ConnectionGuard.class.getName());
  private final HttpLimits limits;
  private final LongSupplier nanoTime;
  private final Map<ConnectionContext, Tracked> connections = new ConcurrentHashMap<>();
  /* The same, by "serverSocketId childSocketId", as a route knows its connection. */
  private final Map<String, Tracked> bySocket = new ConcurrentHashMap<>();
  private final Map<InetAddress, AtomicInteger> perClient = new ConcurrentHashMap<>();
  private final ScheduledExecutorService watchdog;

  /* A connection's state: the nanoTime by which its current phase must end, or 0 for none. */
  private static final class Tracked {
    volatile long deadline;
    volatile boolean awaitingHead;
  }

  public ConnectionGuard(HttpLimits limits) {
    this(limits, System::nanoTime);
  }

  ConnectionGuard(HttpLimits limits, LongSupplier nanoTime) {
    this.limits = limits;
    this.nanoTime = nanoTime;
    this.watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "assay-connection-watchdog");
      t.setDaemon(true);
      return t;
    });
    long tick = Math.clamp(Math.min(limits.headerTimeout().toMillis(), limits.bodyTimeout().toMillis()) / 5, 20, 1000);
    watchdog.scheduleWithFixedDelay(this::closeOverdue, tick, tick, TimeUnit.MILLISECONDS);
  }

  /** Configures the listener: Helidon's own limits, plus this guard's selector and listeners. */
  public void configure(WebServerConfig.Builder server) {
    Http1Config http1 = Http1Config.builder()
        .maxPrologueLength(Math.min(limits.maxHeaderBytes(), 8192))
        .maxHeadersSize(limits.maxHeaderBytes())
        .addReceiveListener(new Receiving())
        .addSendListener(new Sending())
        .build();
    ServerConnectionSelector http = new Http1ConnectionProvider().create("@default", http1,
        ProtocolConfigs.create(List.of(http1)));
    server.addProtocol(http1)
        .addConnectionSelector(new Selector(http))
        .maxTcpConnections(limits.maxConnections())
        .maxConcurrentRequests(limits.maxConcurrentRequests())
        .idleConnectionTimeout(limits.idleTimeout())
        .idleConnectionPeriod(Duration.ofMillis(Math.clamp(limits.idleTimeout().toMillis() / 4, 100, 30_000)))
        .connectionOptions(o -> o.readTimeout(limits.readTimeout()));
  }

  @Override
  public void close() {
    watchdog.shutdownNow();
  }

  private void closeOverdue() {
    long now = nanoTime.getAsLong();
    connections.forEach((ctx, t) -> {
      long d = t.deadline;
      if (d != 0 && now - d > 0) {
        t.deadline = 0;
        LOG.log(System.Logger.Level.DEBUG, () -> "closing " + ctx.remotePeer().address() + ": request "
            + (t.awaitingHead ? "head" : "body") + " not received in time");
        try {
          ctx.serverSocket().close();
        } catch (RuntimeException e) {
          LOG.log(System.Logger.Level.DEBUG, "closing an overdue connection failed", e);
        }
      }
    });
  }

  private void awaitHead(Tracked t) {
    t.awaitingHead = true;
    t.deadline = nanoTime.getAsLong() + limits.headerTimeout().toNanos();
  }

  private static InetAddress client(ConnectionContext ctx) {
    SocketAddress a = ctx.remotePeer().address();
    return a instanceof InetSocketAddress i ? i.getAddress() : InetAddress.getLoopbackAddress();
  }

  /*
   * What Helidon reports of a request: its request line (prologue) and its headers. The head of a
   * connection's first request is timed from its first byte (see Guarded); a later one from its
   * request line, since Helidon reports no received bytes before that.
   */
  private final class Receiving implements Http1ConnectionListener {
    @Override
    public void prologue(ConnectionContext ctx, HttpPrologue prologue) {
      Tracked t = connections.get(ctx);
      if (t != null && !t.awaitingHead) {
        awaitHead(t);
      }
    }

    @Override
    public void headers(ConnectionContext ctx, Headers headers) {
      Tracked t = connections.get(ctx);
      if (t == null) {
        return;
      }
      t.awaitingHead = false;
      boolean body = headers.contentLength().orElse(0) > 0 || headers.contains(HeaderNames.TRANSFER_ENCODING);
      t.deadline = body ? nanoTime.getAsLong() + limits.bodyTimeout().toNanos() : 0;
    }
  }

  /* The answer has begun: whatever the request sent has been read. */
  private final class Sending implements Http1ConnectionListener {
    @Override
    public void status(ConnectionContext ctx, Status status) {
      Tracked t = connections.get(ctx);
      if (t != null) {
        t.deadline = 0;
        t.awaitingHead = false;
      }
    }
  }

  /**
   * Tells the guard that a route has read the whole body of {@code req}: the body deadline ends
   * and the handler may take its time (a synchronous analysis refresh, say).
   */
  public void bodyReceived(ServerRequest req) {
    Tracked t = bySocket.get(req.serverSocketId() + " " + req.socketId());
    if (t != null && !t.awaitingHead) {
      t.deadline = 0;
    }
  }

  private final class Selector implements ServerConnectionSelector {
    private final ServerConnectionSelector http;

    Selector(ServerConnectionSelector http) {
      this.http = http;
    }

    @Override
    public int bytesToIdentifyConnection() {
      return http.bytesToIdentifyConnection();
    }

    @Override
    public Support supports(BufferData request) {
      return http.supports(request);
    }

    @Override
    public Set<String> supportedApplicationProtocols() {
      return http.supportedApplicationProtocols();
    }

    @Override
    public ServerConnection connection(ConnectionContext ctx) {
      return new Guarded(ctx, http.connection(ctx));
    }
  }

  /* Counts the connection for its client while it is handled; one over the cap gets a 429. */
  private final class Guarded implements ServerConnection {
    private final ConnectionContext ctx;
    private final ServerConnection delegate;

    Guarded(ConnectionContext ctx, ServerConnection delegate) {
      this.ctx = ctx;
      this.delegate = delegate;
    }

    @Override
    public void handle(Semaphore requestSemaphore) throws InterruptedException {
      run(() -> delegate.handle(requestSemaphore));
    }

    @Override
    public void handle(Limit limit) throws InterruptedException {
      run(() -> delegate.handle(limit));
    }

    private interface Handling {
      void run() throws InterruptedException;
    }

    private void run(Handling handling) throws InterruptedException {
      InetAddress client = client(ctx);
      AtomicInteger count = perClient.computeIfAbsent(client, c -> new AtomicInteger());
      try {
        if (count.incrementAndGet() > limits.maxConnectionsPerClient()) {
          tooMany();
          return;
        }
        Tracked t = new Tracked();
        awaitHead(t);
        String socket = ctx.socketId() + " " + ctx.childSocketId();
        connections.put(ctx, t);
        bySocket.put(socket, t);
        try {
          handling.run();
        } finally {
          connections.remove(ctx);
          bySocket.remove(socket);
        }
      } finally {
        if (count.decrementAndGet() == 0) {
          perClient.remove(client, count);
        }
      }
    }

    private void tooMany() {
      byte[] b = ApiErrors.error(429, "too_many_connections", "more than " + limits.maxConnectionsPerClient()
          + " open connections from this address; close some and retry", List.of()).body();
      String head = "HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/json\r\nRetry-After: 1\r\n"
          + "Connection: close\r\nContent-Length: " + b.length + "\r\n\r\n";
      try {
        byte[] h = head.getBytes(StandardCharsets.US_ASCII);
        byte[] all = java.util.Arrays.copyOf(h, h.length + b.length);
        System.arraycopy(b, 0, all, h.length, b.length);
        ctx.dataWriter().writeNow(BufferData.create(all));
      } catch (RuntimeException e) {
        LOG.log(System.Logger.Level.DEBUG, "could not answer 429 to an excess connection", e);
      }
    }

    @Override
    public Duration idleTime() {
      return delegate.idleTime();
    }

    @Override
    public void close(boolean interrupt) {
      delegate.close(interrupt);
    }
  }
}
