package dev.assay.server.store;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Alert channels and the alert outbox (tables of migration V7), inside a {@link StoreTransaction}.
 * The store keeps what it is given; validation, signing and delivery are the {@code alerts}
 * package's.
 */
public interface AlertStore {
  /** A webhook channel of a project; {@code types} is its subscription ({@code *} for all). */
  record Channel(String project, String key, String format, String url, String secret, List<String> types,
      Instant createdAt, String createdBy) {
    public Channel {
      types = List.copyOf(types);
    }
  }

  /** One outbox row: an alert to deliver to one channel, and how its delivery went so far. */
  record Delivery(String id, String project, String channelKey, String type, String summary, String payload,
      String status, int attempts, Instant nextAttemptAt, Instant createdAt, Instant updatedAt,
      Optional<String> lastError) {}

  /** @throws DuplicateKeyException when the project has a channel of that key */
  void insertChannel(Channel channel);

  Optional<Channel> channel(String project, String key);

  /** The project's channels, ordered by key. */
  List<Channel> channels(String project);

  /** Deletes a channel; false when there was none. */
  boolean deleteChannel(String project, String key);

  void insertDelivery(Delivery delivery);

  Optional<Delivery> delivery(String id);

  /** Pending deliveries due at {@code now}, oldest first, at most {@code limit}. */
  List<Delivery> due(Instant now, int limit);

  /** A project's newest deliveries (of one status, or any when empty), newest first. */
  List<Delivery> deliveries(String project, Optional<String> status, int limit);

  /** Records an attempt's outcome: the new status, attempt count, next attempt time and error. */
  void updateDelivery(String id, String status, int attempts, Instant nextAttemptAt, Instant now,
      Optional<String> lastError);
}
