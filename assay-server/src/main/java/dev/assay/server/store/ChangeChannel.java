package dev.assay.server.store;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * Fans configuration changes out between server replicas on one PostgreSQL database with
 * LISTEN/NOTIFY. Each store publishes {@code <replica id>:<project>} on a channel named after its
 * schema; a listener thread on a dedicated connection receives the others' notifications (its own
 * are skipped) and, after reconnecting, reports {@link ConfigStore#ALL_PROJECTS} because
 * notifications sent while it was away are lost.
 */
final class ChangeChannel {
  private static final Logger LOG = Logger.getLogger(ChangeChannel.class.getName());
  private static final int POLL_MILLIS = 500;

  private final String url;
  private final String channel;
  private final DataSource pool;
  private final String description;
  private final String replicaId = UUID.randomUUID().toString().substring(0, 8);
  private final List<Consumer<String>> listeners = new CopyOnWriteArrayList<>();
  private volatile boolean closed;
  private Thread thread;

  ChangeChannel(String url, String schema, DataSource pool, String description) {
    this.url = schema == null ? url : url + (url.contains("?") ? "&" : "?") + "currentSchema=" + schema;
    this.channel = "assay_config" + (schema == null ? "" : "_" + schema.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]", "_"));
    this.pool = pool;
    this.description = description;
  }

  void publish(String project) {
    try (Connection c = pool.getConnection(); PreparedStatement ps = c.prepareStatement("SELECT pg_notify(?, ?)")) {
      ps.setString(1, channel);
      ps.setString(2, replicaId + ":" + project);
      ps.execute();
      c.commit();
    } catch (SQLException | RuntimeException e) {
      // The change is committed; other replicas catch up at their next reconnect or restart.
      LOG.log(Level.WARNING, "cannot notify other replicas of a change to project " + project, e);
    }
  }

  synchronized void subscribe(Consumer<String> listener) {
    listeners.add(listener);
    if (thread == null) {
      thread = new Thread(this::listen, "assay-config-listen");
      thread.setDaemon(true);
      thread.start();
    }
  }

  void close() {
    closed = true;
    Thread t = thread;
    if (t != null) {
      t.interrupt();
      try {
        t.join(2000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private void listen() {
    boolean first = true;
    long backoff = 200;
    while (!closed) {
      try (Connection c = DriverManager.getConnection(url)) {
        try (Statement st = c.createStatement()) {
          st.execute("LISTEN " + channel);
        }
        if (!first) {
          deliver(ConfigStore.ALL_PROJECTS);
        }
        first = false;
        backoff = 200;
        PGConnection pg = c.unwrap(PGConnection.class);
        while (!closed) {
          PGNotification[] ns = pg.getNotifications(POLL_MILLIS);
          if (ns == null) {
            continue;
          }
          for (PGNotification n : ns) {
            String p = n.getParameter();
            int colon = p.indexOf(':');
            if (colon > 0 && !p.substring(0, colon).equals(replicaId)) {
              deliver(p.substring(colon + 1));
            }
          }
        }
      } catch (SQLException | RuntimeException e) {
        if (closed) {
          return;
        }
        first = false;
        LOG.log(Level.WARNING, "change listener lost its connection to " + description + "; reconnecting", e);
        try {
          Thread.sleep(backoff);
        } catch (InterruptedException ie) {
          return;
        }
        backoff = Math.min(10_000, backoff * 2);
      }
    }
  }

  private void deliver(String project) {
    for (Consumer<String> l : listeners) {
      try {
        l.accept(project);
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "a change listener failed for project " + project, e);
      }
    }
  }
}
