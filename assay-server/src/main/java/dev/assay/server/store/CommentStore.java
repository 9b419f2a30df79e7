package dev.assay.server.store;

import java.time.Instant;
import java.util.List;

/**
 * Comments on config entities (flags, experiments), inside a {@link StoreTransaction}. The store
 * keeps what it is given; the rules (which entities, length, audit) are the domain's. A comment's
 * id is the sequence number of the audit entry written with it.
 */
public interface CommentStore {
  /** One stored comment; {@code kind} is the {@link Kind} name of the entity it is on. */
  record Comment(long id, String project, String kind, String entityKey, String author, Instant at, String text) {}

  void insert(Comment comment);

  /** The comments on one entity, oldest first, at most {@code limit}. */
  List<Comment> list(String project, String kind, String entityKey, int limit);
}
