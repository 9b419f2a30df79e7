package dev.assay.server.analysis;

import static io.trino.testing.TestingSession.testSessionBuilder;

import io.airlift.log.Level;
import io.airlift.log.Logging;
import io.trino.plugin.memory.MemoryPlugin;
import io.trino.testing.DistributedQueryRunner;
import java.util.Map;

/**
 * One real Trino per test JVM: a coordinator (that also runs the tasks) with the memory connector as
 * catalog {@code memory}, started on first use (it takes 15-20 s) and stopped when the JVM exits.
 */
final class TestTrino {
  private static DistributedQueryRunner runner;

  private TestTrino() {}

  /** The JDBC URL of the {@code memory} catalog, as user {@code assay}; starts Trino the first time. */
  static synchronized String jdbcUrl() throws Exception {
    if (runner == null) {
      // Trino logs every catalog, plugin and query at INFO; warnings and errors are enough here.
      Logging logging = Logging.initialize();
      logging.setLevel("io.trino", Level.WARN);
      logging.setLevel("io.airlift", Level.WARN);
      DistributedQueryRunner started = DistributedQueryRunner.builder(
              testSessionBuilder().setCatalog("memory").setSchema("default").build())
          .setWorkerCount(0)
          .build();
      try {
        started.installPlugin(new MemoryPlugin());
        started.createCatalog("memory", "memory", Map.of());
      } catch (RuntimeException e) {
        started.close();
        throw e;
      }
      Runtime.getRuntime().addShutdownHook(new Thread(started::close, "trino-stop"));
      runner = started;
    }
    return "jdbc:trino://" + runner.getCoordinator().getAddress() + "/memory?user=assay";
  }
}
