package dev.assay.benchmarks.load;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;
import kafka.Kafka;
import kafka.tools.StorageTool;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Exit;

/**
 * One real Kafka broker for load tests of Kafka mode: a single KRaft node that is broker and
 * controller at once, in its own JVM, on fixed local ports, so that an {@code assay serve} in
 * another process can be pointed at it.
 *
 * <pre>
 * java -Xmx1g -cp assay-benchmarks/target/benchmarks.jar dev.assay.benchmarks.load.KafkaBroker \
 *     port dir [key=value ...]
 * </pre>
 *
 * The broker listens on {@code 127.0.0.1:port}, its controller on {@code 127.0.0.1:port+1}; the
 * log directories are under {@code dir} (formatted on first use, reused afterwards). The
 * single-node settings are those of the server tests' {@code TestKafka} (replication factor 1 for
 * the internal topics, no initial rebalance delay); further broker settings may be given as
 * {@code key=value} (for example {@code num.partitions=4}). When the broker is ready it prints
 * {@code bootstrap=127.0.0.1:port} on standard output; it stops cleanly on SIGTERM or SIGINT.
 * Kafka's own log is at WARNING unless {@code -Dkafka.log.level=INFO} is given.
 *
 * <p>This is the broker the server tests run in process (same artifact, same version), started the
 * way {@code kafka-storage format} and {@code kafka-server-start} start it, without Kafka's test
 * kit, which binds random ports.
 */
public final class KafkaBroker {

  /** java.util.logging keeps loggers weakly: these hold the levels set in {@link #main}. */
  private static final List<Logger> LOGGERS = new ArrayList<>();

  private KafkaBroker() {}

  public static void main(String[] args) throws Exception {
    if (args.length < 2) {
      System.err.println("usage: KafkaBroker <port> <dir> [key=value ...]");
      System.exit(2);
    }
    int port = Integer.parseInt(args[0]);
    Path dir = Path.of(args[1]).toAbsolutePath();
    Files.createDirectories(dir);
    Properties props = settings(port, dir);
    for (int i = 2; i < args.length; i++) {
      int eq = args[i].indexOf('=');
      if (eq <= 0) {
        System.err.println("not a key=value broker setting: " + args[i]);
        System.exit(2);
      }
      props.setProperty(args[i].substring(0, eq), args[i].substring(eq + 1));
    }

    /*
     * Kafka ends the JVM through Exit. While the broker runs, a fatal fault must still end this
     * process (the load script then sees the broker gone), with its reason on stderr; once the
     * shutdown hook has begun, a fault raised while the broker stops (racing the JVM's exit, as
     * TestKafka found) is ignored, so a clean stop ends with code 0.
     */
    AtomicBoolean stopping = new AtomicBoolean();
    Exit.Procedure fault = (code, message) -> {
      if (code != 0) {
        System.err.println("broker asked to exit with code " + code + (message == null ? "" : ": " + message));
        if (!stopping.get()) {
          Runtime.getRuntime().halt(code);
        }
      }
    };
    Exit.setExitProcedure(fault);
    Exit.setHaltProcedure(fault);
    Exit.setShutdownHookAdder((name, hook) -> Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      stopping.set(true);
      hook.run();
      System.out.println(name + " done");
    }, name)));

    // The broker logs through SLF4J to java.util.logging; INFO is thousands of lines per start.
    for (String name : new String[] {"kafka", "org.apache.kafka", "state.change.logger"}) {
      Logger logger = Logger.getLogger(name);
      logger.setLevel(Level.parse(System.getProperty("kafka.log.level", "WARNING")));
      LOGGERS.add(logger);
    }

    Path config = dir.resolve("server.properties");
    try (OutputStream out = Files.newOutputStream(config)) {
      props.store(out, "written by dev.assay.benchmarks.load.KafkaBroker");
    }
    format(config);
    String bootstrap = "127.0.0.1:" + port;
    Thread.ofPlatform().daemon().name("kafka-broker-ready").start(() -> announceWhenReady(bootstrap, port));
    // kafka-server-start's main: starts the node, waits until its shutdown hook has stopped it
    Kafka.main(new String[] {config.toString()});
  }

  /** Prints {@code bootstrap=host:port} once a client sees the broker in the cluster metadata. */
  private static void announceWhenReady(String bootstrap, int port) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      try (Socket s = new Socket("127.0.0.1", port)) {
        break;
      } catch (IOException e) {
        try {
          Thread.sleep(100);
        } catch (InterruptedException ie) {
          return;
        }
      }
    }
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "60000");
    try (Admin admin = Admin.create(p)) {
      int nodes = admin.describeCluster().nodes().get(60, TimeUnit.SECONDS).size();
      if (nodes > 0) {
        System.out.println("bootstrap=" + bootstrap);
        System.out.flush();
        return;
      }
      System.err.println("the broker at " + bootstrap + " reports no nodes");
    } catch (Exception e) {
      System.err.println("the broker at " + bootstrap + " did not become ready: " + e);
    }
  }

  /** The single-node KRaft settings: broker on {@code port}, controller on {@code port + 1}. */
  static Properties settings(int port, Path dir) {
    Map<String, String> s = new TreeMap<>();
    s.put("process.roles", "broker,controller");
    s.put("node.id", "1");
    s.put("listeners", "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + (port + 1));
    s.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port);
    s.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
    s.put("inter.broker.listener.name", "PLAINTEXT");
    s.put("controller.listener.names", "CONTROLLER");
    s.put("controller.quorum.voters", "1@127.0.0.1:" + (port + 1));
    s.put("log.dirs", dir.resolve("logs").toString());
    // as in the server tests' TestKafka: one node, so every internal topic has one replica
    s.put("offsets.topic.replication.factor", "1");
    s.put("transaction.state.log.replication.factor", "1");
    s.put("transaction.state.log.min.isr", "1");
    s.put("group.initial.rebalance.delay.ms", "0");
    Properties p = new Properties();
    p.putAll(s);
    return p;
  }

  /** Formats the log directories with a new cluster id unless they already are. */
  private static void format(Path config) throws IOException {
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    int code;
    try (PrintStream out = new PrintStream(buffer, true, StandardCharsets.UTF_8)) {
      code = StorageTool.execute(new String[] {"format", "--cluster-id", Uuid.randomUuid().toString(),
          "--config", config.toString(), "--ignore-formatted"}, out);
    }
    if (code != 0) {
      throw new IllegalStateException("formatting the broker's log directories failed (" + code + "): " + buffer);
    }
  }
}
