package dev.assay.server.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/** The SQL of {@link AlertStore} (tables of migration V7), on one transaction's connection. */
final class JdbcAlertStore implements AlertStore {
  private static final String CHANNEL_COLUMNS =
      "project, channel_key, format, url, secret, alert_types, created_at, created_by";
  private static final String DELIVERY_COLUMNS = "id, project, channel_key, alert_type, summary, payload, status,"
      + " attempts, next_attempt_at, created_at, updated_at, last_error";
  private final Connection c;

  JdbcAlertStore(Connection c) {
    this.c = c;
  }

  @Override
  public void insertChannel(Channel ch) {
    if (channel(ch.project(), ch.key()).isPresent()) {
      throw new DuplicateKeyException("alert channel " + ch.project() + "/" + ch.key() + " exists");
    }
    try (PreparedStatement ps = c.prepareStatement("INSERT INTO alert_channels (" + CHANNEL_COLUMNS
        + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
      ps.setString(1, ch.project());
      ps.setString(2, ch.key());
      ps.setString(3, ch.format());
      ps.setString(4, ch.url());
      ps.setString(5, ch.secret());
      ps.setString(6, String.join(",", ch.types()));
      ps.setLong(7, ch.createdAt().toEpochMilli());
      ps.setString(8, ch.createdBy());
      ps.executeUpdate();
    } catch (SQLException e) {
      throw StoreUnavailableException.of(e);
    }
  }

  @Override
  public Optional<Channel> channel(String project, String key) {
    List<Channel> found = channels("WHERE project = ? AND channel_key = ?", project, key);
    return found.stream().findFirst();
  }

  @Override
  public List<Channel> channels(String project) {
    return channels("WHERE project = ? ORDER BY channel_key", project);
  }

  private List<Channel> channels(String where, String... args) {
    try (PreparedStatement ps = c.prepareStatement("SELECT " + CHANNEL_COLUMNS + " FROM alert_channels " + where)) {
      for (int i = 0; i < args.length; i++) {
        ps.setString(i + 1, args[i]);
      }
      List<Channel> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(new Channel(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
              Arrays.asList(rs.getString(6).split(",")), Instant.ofEpochMilli(rs.getLong(7)), rs.getString(8)));
        }
      }
      return out;
    } catch (SQLException e) {
      throw StoreUnavailableException.of(e);
    }
  }

  @Override
  public boolean deleteChannel(String project, String key) {
    try (PreparedStatement ps = c.prepareStatement("DELETE FROM alert_channels WHERE project = ? AND channel_key = ?")) {
      ps.setString(1, project);
      ps.setString(2, key);
      return ps.executeUpdate() > 0;
    } catch (SQLException e) {
      throw StoreUnavailableException.of(e);
    }
  }

  @Override
  public void insertDelivery(Delivery d) {
    try (PreparedStatement ps = c.prepareStatement("INSERT INTO alert_outbox (" + DELIVERY_COLUMNS
        + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
      ps.setString(1, d.id());
      ps.setString(2, d.project());
      ps.setString(3, d.channelKey());
      ps.setString(4, d.type());
      ps.setString(5, d.summary());
      ps.setString(6, d.payload());
      ps.setString(7, d.status());
      ps.setInt(8, d.attempts());
      ps.setLong(9, d.nextAttemptAt().toEpochMilli());
      ps.setLong(10, d.createdAt().toEpochMilli());
      ps.setLong(11, d.updatedAt().toEpochMilli());
      ps.setString(12, d.lastError().orElse(null));
      ps.executeUpdate();
    } catch (SQLException e) {
      throw StoreUnavailableException.of(e);
    }
  }

  @Override
  public Optional<Delivery> delivery(String id) {
    return deliveries("WHERE id = ?", 1, id).stream().findFirst();
  }

  @Override
  public List<Delivery> due(Instant now, int limit) {
    return deliveries("WHERE status = 'pending' AND next_attempt_at <= " + now.toEpochMilli()
        + " ORDER BY next_attempt_at, id", limit);
  }

  @Override
  public List<Delivery> deliveries(String project, Optional<String> status, int limit) {
    return status.isPresent()
        ? deliveries("WHERE project = ? AND status = ? ORDER BY created_at DESC, id DESC", limit, project, status.get())
        : deliveries("WHERE project = ? ORDER BY created_at DESC, id DESC", limit, project);
  }

  private List<Delivery> deliveries(String where, int limit, String... args) {
    try (PreparedStatement ps = c.prepareStatement("SELECT " + DELIVERY_COLUMNS + " FROM alert_outbox " + where)) {
      for (int i = 0; i < args.length; i++) {
        ps.setString(i + 1, args[i]);
      }
      ps.setMaxRows(limit);
      List<Delivery> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(new Delivery(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
              rs.getString(6), rs.getString(7), rs.getInt(8), Instant.ofEpochMilli(rs.getLong(9)),
              Instant.ofEpochMilli(rs.getLong(10)), Instant.ofEpochMilli(rs.getLong(11)),
              Optional.ofNullable(rs.getString(12))));
        }
      }
      return out;
    } catch (SQLException e) {
      throw StoreUnavailableException.of(e);
    }
  }

  @Override
  public void updateDelivery(String id, String status, int attempts, Instant nextAttemptAt, Instant now,
      Optional<String> lastError) {
    try (PreparedStatement ps = c.prepareStatement("UPDATE alert_outbox SET status = ?, attempts = ?,"
        + " next_attempt_at = ?, updated_at = ?, last_error = ? WHERE id = ?")) {
      ps.setString(1, status);
      ps.setInt(2, attempts);
      ps.setLong(3, nextAttemptAt.toEpochMilli());
      ps.setLong(4, now.toEpochMilli());
      ps.setString(5, lastError.map(e -> e.length() > 1000 ? e.substring(0, 1000) : e).orElse(null));
      ps.setString(6, id);
      ps.executeUpdate();
    } catch (SQLException e) {
      throw StoreUnavailableException.of(e);
    }
  }
}
