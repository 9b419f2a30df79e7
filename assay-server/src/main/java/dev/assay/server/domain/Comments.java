package dev.assay.server.domain;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.assay.server.audit.AuditLog;
import dev.assay.server.store.AuditRecord;
import dev.assay.server.store.CommentStore.Comment;
import dev.assay.server.store.ConfigStore;
import dev.assay.server.store.Kind;
import dev.assay.server.store.StoreTransaction;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Comments on flags and experiments: who wrote what, when, so an experiment becomes a shared
 * record of what was learned. A comment is written with an audit entry (action {@code comment} on
 * the flag or experiment, the text in its {@code after}) in one transaction, and takes that
 * entry's time and sequence number as its own; comments are never edited or deleted, like the
 * audit log they are part of. Thread-safe.
 */
public final class Comments {
  /** Longest comment, in characters (Unicode code points). */
  public static final int MAX_LENGTH = 10_000;
  /** Most comments one listing returns. */
  public static final int MAX_LIST = 1_000;
  /** The audit action of a comment (filed under the entity's kind, but not a version of it). */
  static final String AUDIT_ACTION = "comment";
  private static final List<Kind> KINDS = List.of(Kind.FLAG, Kind.EXPERIMENT);
  private final ConfigStore store;
  private final AuditLog audit;

  public Comments(ConfigStore store, AuditLog audit) {
    this.store = store;
    this.audit = audit;
  }

  /** The comments on a flag or an experiment, oldest first. */
  public List<Comment> list(Kind kind, String project, String key) {
    return store.read(tx -> {
      require(tx, kind, project, key);
      return tx.comments().list(project, kind.name(), key, MAX_LIST);
    });
  }

  /** Adds a comment: a non-blank text of at most {@value #MAX_LENGTH} characters; failures name the field {@code text}. */
  public Comment add(Kind kind, String project, String key, String text, String actor) {
    check(text);
    return store.write(tx -> {
      require(tx, kind, project, key);
      ObjectNode after = JsonNodeFactory.instance.objectNode();
      after.put("comment", text);
      AuditRecord entry = audit.append(tx, actor, AUDIT_ACTION, kind.name(), project, key, Optional.empty(),
          Optional.of(after.toString()));
      Comment c = new Comment(entry.seq(), project, kind.name(), key, actor, entry.at(), text);
      tx.comments().insert(c);
      return c;
    });
  }

  private static void check(String text) {
    if (text.isBlank()) {
      throw DomainException.invalid("text", "must not be empty");
    }
    int length = text.codePointCount(0, text.length());
    if (length > MAX_LENGTH) {
      throw DomainException.invalid("text", "must be at most " + MAX_LENGTH + " characters, was " + length);
    }
    if (text.indexOf('\u0000') >= 0) {
      throw DomainException.invalid("text", "must not contain NUL characters");
    }
  }

  private static void require(StoreTransaction tx, Kind kind, String project, String key) {
    if (!KINDS.contains(kind)) {
      throw new IllegalArgumentException("comments are on flags and experiments, not " + kind);
    }
    if (tx.get(Kind.PROJECT, "", project).isEmpty()) {
      throw DomainException.notFound("project '" + project + "' not found");
    }
    if (tx.get(kind, project, key).isEmpty()) {
      throw DomainException.notFound(kind.name().toLowerCase(Locale.ROOT) + " '" + key + "' not found in project '"
          + project + "'");
    }
  }
}
