package dev.assay.server.approvals;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A proposed new document of a flag or experiment, made against {@code baseVersion} (0: the
 * entity does not exist yet and the request creates it), as stored.
 *
 * @param target {@code flag} or {@code experiment}
 * @param environments the environments whose policies cover the change (when it was opened)
 * @param required approvals needed (the largest of those policies)
 * @param role the least role an approver needs (the highest of those policies)
 * @param status {@code open}, {@code applied}, {@code rejected}, {@code stale} or {@code withdrawn}
 * @param closedBy the rejection or withdrawal, when there is one
 * @param outcome why a request is stale, or what was applied
 * @param appliedVersion the target's version the apply wrote
 */
public record ChangeRequest(String id, String target, String key, long baseVersion, JsonNode document,
    boolean newPhase, String title, String authorId, String author, String createdAt, List<String> environments,
    int required, String role, String status, List<Review> approvals, @Nullable Review closedBy,
    @Nullable String outcome, @Nullable Long appliedVersion, @Nullable String closedAt) {
  public static final List<String> STATUSES = List.of("open", "applied", "rejected", "stale", "withdrawn");

  public ChangeRequest {
    approvals = List.copyOf(approvals);
    environments = List.copyOf(environments);
  }

  /** This request with one more approval. */
  ChangeRequest approvedBy(Review r) {
    List<Review> more = new ArrayList<>(approvals);
    more.add(r);
    return new ChangeRequest(id, target, key, baseVersion, document, newPhase, title, authorId, author, createdAt,
        environments, required, role, status, more, closedBy, outcome, appliedVersion, closedAt);
  }

  /** This request closed with a status. */
  ChangeRequest closed(String newStatus, @Nullable Review by, @Nullable String why, @Nullable Long version,
      String at) {
    return new ChangeRequest(id, target, key, baseVersion, document, newPhase, title, authorId, author, createdAt,
        environments, required, role, newStatus, approvals, by, why, version, at);
  }

  boolean isOpen() {
    return status.equals("open");
  }
}
