package dev.assay.server.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.assay.server.approvals.ChangeRequest;
import dev.assay.server.approvals.ChangeRequests;
import dev.assay.server.approvals.Policies;
import dev.assay.server.approvals.Policy;
import dev.assay.server.approvals.Review;
import dev.assay.server.auth.Permission;
import dev.assay.server.domain.DomainException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Approvals (docs/safety.md "Approvals", ADR 0032): approval policies per environment ({@code GET
 * /approval-policies}, {@code PUT|DELETE /approval-policies/{key}}, admins) and change
 * requests ({@code POST /change-requests}, {@code GET /change-requests[?status=]}, {@code GET
 * /change-requests/{id}} with its diff, {@code POST /change-requests/{id}/approve|reject|withdraw}
 * with a {@code comment}). Every field of a bad body is named in the 400.
 */
final class ApprovalsApi implements Resource {
  private static final Set<String> POLICY_FIELDS = Set.of("approvals", "role");
  private static final Set<String> OPEN_FIELDS = Set.of("target", "key", "baseVersion", "document", "newPhase",
      "title");
  private static final Set<String> REVIEW_FIELDS = Set.of("comment");
  private static final Set<String> ROLLOUT_FIELDS = Set.of("environment", "action", "plan", "reason");
  private static final ObjectNode POLICY_SCHEMA = OpenApi.schema("""
      {"type":"object","additionalProperties":false,"required":["approvals","role"],
       "properties":{"approvals":{"type":"integer","minimum":1,"maximum":10},
        "role":{"type":"string","enum":["viewer","analyst","experimenter","admin"]}}}""");
  private static final ObjectNode OPEN_SCHEMA = OpenApi.schema("""
      {"type":"object","additionalProperties":false,"required":["target","key","document"],
       "properties":{"target":{"type":"string","enum":["flag","experiment","rollout"]},"key":{"type":"string"},
        "baseVersion":{"type":"integer","minimum":0},"document":{"type":"object"},"newPhase":{"type":"boolean"},
        "title":{"type":"string","maxLength":500}}}""");
  private static final ObjectNode REVIEW_SCHEMA = OpenApi.schema("""
      {"type":"object","additionalProperties":false,
       "properties":{"comment":{"type":"string","maxLength":500}}}""");
  private final Policies policies;
  private final ChangeRequests requests;

  ApprovalsApi(Policies policies, ChangeRequests requests) {
    this.policies = policies;
    this.requests = requests;
  }

  @Override
  public List<Endpoint> endpoints() {
    List<Endpoint> out = new ArrayList<>();
    out.add(Endpoint.get("/approval-policies", Permission.READ, "List the project's approval policies", c -> {
      ObjectNode res = JsonNodeFactory.instance.objectNode();
      ArrayNode items = res.putArray("items");
      policies.list(c.project()).forEach(p -> items.add(view(p)));
      return Reply.ok(res);
    }).withQuery("project"));
    out.add(Endpoint.put("/approval-policies/{key}", Permission.ADMIN,
        "Set the approval policy of an environment (body: {\"approvals\": 1-10, \"role\"})", c -> {
          JsonNode body = fields(c.json(), POLICY_FIELDS);
          JsonNode n = body.get("approvals");
          if (n == null || !n.isIntegralNumber() || !n.canConvertToInt()) {
            throw DomainException.invalid("approvals", "is required: an integer from 1 to " + Policy.MAX_APPROVALS);
          }
          return Reply.ok(view(policies.set(c.project(), c.path("key"), n.intValue(),
              text(body, "role", true), c.actor())));
        }).withRequestSchema(POLICY_SCHEMA).withQuery("project"));
    out.add(Endpoint.delete("/approval-policies/{key}", Permission.ADMIN,
        "Remove the approval policy of an environment", c -> {
          policies.delete(c.project(), c.path("key"), c.actor());
          return Reply.noContent();
        }).withQuery("project"));
    out.add(Endpoint.post("/change-requests", Permission.WRITE_CONFIG,
        "Open a change request: a flag's or experiment's new document at its base version, or a change of a"
            + " flag's rollout (target rollout, document {environment, action, plan, reason})", c -> {
          JsonNode body = fields(c.json(), OPEN_FIELDS);
          if ("rollout".equals(body.path("target").asText())) {
            return Reply.created(detail(openRollout(c, body)));
          }
          JsonNode base = body.get("baseVersion");
          if (base == null || !base.isIntegralNumber() || !base.canConvertToLong() || base.asLong() < 0) {
            throw DomainException.invalid("baseVersion", "is required: the version the document was based on (0 to create)");
          }
          JsonNode phase = body.get("newPhase");
          if (phase != null && !phase.isBoolean()) {
            throw DomainException.invalid("newPhase", "must be true or false");
          }
          ChangeRequests.Entry e = requests.open(c.project(), text(body, "target", true), text(body, "key", true),
              base.asLong(), body.get("document"), phase != null && phase.asBoolean(), text(body, "title", false),
              caller(c));
          return Reply.created(detail(e));
        }).withRequestSchema(OPEN_SCHEMA).withQuery("project"));
    out.add(Endpoint.get("/change-requests", Permission.READ, "List the project's change requests, newest first", c -> {
      ObjectNode res = JsonNodeFactory.instance.objectNode();
      ArrayNode items = res.putArray("items");
      requests.list(c.project(), c.query("status")).forEach(e -> items.add(view(e)));
      return Reply.ok(res);
    }).withQuery("project", "status"));
    out.add(Endpoint.get("/change-requests/{id}", Permission.READ, "A change request with its diff",
        c -> Reply.ok(detail(requests.get(c.project(), c.path("id"))))).withQuery("project"));
    out.add(Endpoint.delete("/change-requests/{id}", Permission.ADMIN,
        "Delete a closed change request (its history stays in the audit log)", c -> {
          requests.delete(c.project(), c.path("id"), c.actor());
          return Reply.noContent();
        }).withQuery("project"));
    out.add(review("approve"));
    out.add(review("reject"));
    out.add(review("withdraw"));
    return out;
  }

  private Endpoint review(String action) {
    return Endpoint.action("/change-requests/{id}/" + action, Permission.WRITE_CONFIG,
        switch (action) {
          case "approve" -> "Approve a change request (the approval that reaches the policy's count applies it)";
          case "reject" -> "Reject a change request";
          default -> "Withdraw a change request (its author, or an admin)";
        }, c -> {
          String comment = text(fields(c.json(), REVIEW_FIELDS), "comment", false);
          String id = c.path("id");
          ChangeRequests.Entry e = switch (action) {
            case "approve" -> requests.approve(c.project(), id, caller(c), comment);
            case "reject" -> requests.reject(c.project(), id, caller(c), comment);
            default -> requests.withdraw(c.project(), id, caller(c), comment);
          };
          return Reply.ok(detail(e));
        }).withRequestSchema(REVIEW_SCHEMA).withQuery("project");
  }

  /* A rollout request: no base version (a rollout moves by itself); the document names the change. */
  private ChangeRequests.Entry openRollout(Call c, JsonNode body) {
    JsonNode base = body.get("baseVersion");
    if (base != null && !(base.isIntegralNumber() && base.asLong() == 0)) {
      throw DomainException.invalid("baseVersion", "a rollout request has no base version: leave it out (or 0)");
    }
    if (body.has("newPhase")) {
      throw DomainException.invalid("newPhase", "a rollout request takes no newPhase");
    }
    JsonNode doc = body.get("document");
    if (doc == null || !doc.isObject()) {
      throw DomainException.invalid("document", "is required: {\"environment\", \"action\", \"plan\", \"reason\"}");
    }
    doc.fieldNames().forEachRemaining(f -> {
      if (!ROLLOUT_FIELDS.contains(f)) {
        throw DomainException.invalid("document." + f, "unknown field; known fields are "
            + ROLLOUT_FIELDS.stream().sorted().toList());
      }
    });
    String environment = text(doc, "environment", true, "document.environment");
    if (!environment.matches("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")) {
      throw DomainException.invalid("document.environment", "is not a valid environment key");
    }
    JsonNode plan = doc.get("plan");
    dev.assay.server.domain.model.RolloutPlan parsed = null;
    if (plan != null && !plan.isNull()) {
      if (!plan.isObject()) {
        throw DomainException.invalid("document.plan", "must be a JSON object: the body of PUT /flags/{key}/rollout");
      }
      try {
        parsed = RolloutsApi.plan(plan);
      } catch (DomainException e) {
        throw e.within("document.plan");
      }
    }
    String reason = text(doc, "reason", false, "document.reason");
    if (reason.length() > 500) {
      throw DomainException.invalid("document.reason", "must be at most 500 characters");
    }
    return requests.openRollout(c.project(), text(body, "key", true), new dev.assay.server.safety.Rollouts.Change(
        environment, text(doc, "action", true, "document.action"), parsed, reason), text(body, "title", false),
        caller(c));
  }

  private static String text(JsonNode body, String name, boolean required, String field) {
    try {
      return text(body, name, required);
    } catch (DomainException e) {
      throw e.within(field.substring(0, field.length() - name.length() - 1));
    }
  }

  private static ChangeRequests.Caller caller(Call c) {
    return new ChangeRequests.Caller(c.principal().keyId(), c.actor(), c.principal().role());
  }

  private static JsonNode fields(JsonNode body, Set<String> known) {
    if (!body.isObject()) {
      throw DomainException.invalid("body", "must be a JSON object");
    }
    body.fieldNames().forEachRemaining(f -> {
      if (!known.contains(f)) {
        throw DomainException.invalid(f, "unknown field; known fields are " + known.stream().sorted().toList());
      }
    });
    return body;
  }

  private static String text(JsonNode body, String field, boolean required) {
    JsonNode v = body.get(field);
    if (v == null || v.isNull()) {
      if (required) {
        throw DomainException.invalid(field, "is required");
      }
      return "";
    }
    if (!v.isTextual()) {
      throw DomainException.invalid(field, "must be a string");
    }
    return v.asText();
  }

  static ObjectNode view(Policy p) {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    return o.put("environment", p.environment()).put("approvals", p.approvals()).put("role", p.role())
        .put("updatedBy", p.updatedBy()).put("updatedAt", p.updatedAt());
  }

  static ObjectNode view(ChangeRequests.Entry e) {
    ChangeRequest r = e.request();
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("id", r.id()).put("project", e.project()).put("target", r.target()).put("key", r.key())
        .put("baseVersion", r.baseVersion()).put("title", r.title()).put("status", r.status())
        .put("author", r.author()).put("createdAt", r.createdAt()).put("required", r.required())
        .put("role", r.role()).put("newPhase", r.newPhase());
    r.environments().forEach(o.putArray("environments")::add);
    ArrayNode approvals = o.putArray("approvals");
    r.approvals().forEach(a -> approvals.add(review(a)));
    if (r.closedBy() != null) {
      o.set("closedBy", review(r.closedBy()));
    }
    o.put("outcome", r.outcome()).put("closedAt", r.closedAt()).put("version", e.version());
    if (r.appliedVersion() != null) {
      o.put("appliedVersion", r.appliedVersion());
    }
    return o;
  }

  private ObjectNode detail(ChangeRequests.Entry e) {
    ObjectNode o = view(e);
    o.set("document", e.request().document());
    o.set("changes", requests.diff(e));
    return o;
  }

  private static ObjectNode review(Review r) {
    return JsonNodeFactory.instance.objectNode().put("by", r.actor()).put("comment", r.comment()).put("at", r.at());
  }
}
