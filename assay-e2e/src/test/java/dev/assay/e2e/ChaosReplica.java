package dev.assay.e2e;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * One replica of {@link ReplicasChaosE2ETest}: a name, a data directory, a fixed port and fixed
 * settings, and the {@code assay serve} process running on them now. {@link #kill} is SIGKILL;
 * {@link #start} starts a new process on the same port and settings, as an orchestrator restarts a
 * crashed pod behind the same service address.
 *
 * <p>A request goes to a {@link Life}, the process that was running when it was sent: a connection
 * failure is expected when that life was killed, and a defect when it was not. A replica is in
 * rotation (the load balancer sends it traffic) from the moment it is ready until it is killed.
 */
final class ChaosReplica {
  /** One process of the replica; {@code killed} is set just before its SIGKILL. */
  static final class Life {
    final ServeProcess process;
    volatile boolean killed;

    Life(ServeProcess process) {
      this.process = process;
    }
  }

  final String name;
  final int port;
  private final Path data;
  private final List<String> args;
  private final Map<String, String> env;
  private volatile Life life;
  private volatile boolean inRotation;

  ChaosReplica(String name, Path data, List<String> args, Map<String, String> env) throws Exception {
    this.name = name;
    this.port = ServeProcess.freePort();
    this.data = data;
    this.args = List.copyOf(args);
    this.env = Map.copyOf(env);
  }

  /** Starts a process (the previous one, if any, must have been killed) and returns when it logged its start. */
  void start() throws Exception {
    life = new Life(new ServeProcess(data, port, args, env));
  }

  /** SIGKILL: out of rotation first (a request sent from now on is not the load balancer's mistake). */
  void kill() throws InterruptedException {
    inRotation = false;
    Life l = life;
    l.killed = true;
    l.process.kill();
  }

  Life life() {
    return life;
  }

  boolean inRotation() {
    return inRotation;
  }

  void putInRotation() {
    inRotation = true;
  }

  String baseUrl() {
    return "http://127.0.0.1:" + port;
  }

  ServeProcess process() {
    return life.process;
  }

  /**
   * Whether {@code GET /health/ready} answers 200 with the Kafka consumer running: the positive
   * signal that a restarted replica may take traffic again. A connection failure is "not yet".
   */
  boolean ready(HttpClient http) {
    try {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(baseUrl() + "/health/ready"))
          .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200 && r.body().contains("\"state\":\"RUNNING\"");
    } catch (java.io.IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** The partitions of the event topic this replica's consumer holds now (its Prometheus gauge), -1 if unknown. */
  int consumerPartitions(HttpClient http) {
    return (int) metric(http, "assay_events_consumer_partitions");
  }

  /** A metric of this replica's {@code /metrics} without labels, -1 if unknown. */
  double metric(HttpClient http, String name) {
    try {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(baseUrl() + "/metrics"))
          .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
      return r.body().lines().filter(l -> l.startsWith(name + " ") || l.startsWith(name + "{"))
          .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).findFirst().orElse(-1);
    } catch (java.io.IOException | RuntimeException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  @Override
  public String toString() {
    return "replica " + name + " (port " + port + ")";
  }
}
