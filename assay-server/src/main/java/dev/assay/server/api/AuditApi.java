package dev.assay.server.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.assay.server.audit.AuditLog;
import dev.assay.server.auth.Permission;
import dev.assay.server.domain.DomainException;
import dev.assay.server.domain.Json;
import dev.assay.server.store.AuditQuery;
import dev.assay.server.store.AuditRecord;
import dev.assay.server.store.ConfigStore;
import dev.assay.server.store.Kind;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** {@code /audit}: filtered listing, chain verification, NDJSON export. */
final class AuditApi implements Resource {
  private static final int MAX_PAGE = 1_000;
  private final ConfigStore store;
  private final AuditLog audit;

  AuditApi(ConfigStore store, AuditLog audit) {
    this.store = store;
    this.audit = audit;
  }

  @Override
  public List<Endpoint> endpoints() {
    return List.of(
        Endpoint.get("/audit", Permission.READ_AUDIT,
            "List audit entries (?kind=&key=&actor=&from=&to=&after=&limit=)", c -> {
              AuditQuery q = query(c, MAX_PAGE);
              List<AuditRecord> entries = store.read(tx -> tx.audit(q));
              ObjectNode res = JsonNodeFactory.instance.objectNode();
              ArrayNode items = res.putArray("items");
              entries.forEach(e -> items.add(view(e)));
              if (entries.size() == q.limit()) {
                res.put("next", entries.get(entries.size() - 1).seq());
              }
              return Reply.ok(res);
            }).withQuery("kind", "key", "actor", "from", "to", "after", "limit"),
        Endpoint.get("/audit/verify", Permission.ADMIN, "Recompute the hash chain", c -> {
          AuditLog.Verification v = audit.verify(store);
          ObjectNode res = JsonNodeFactory.instance.objectNode();
          res.put("intact", v.intact());
          res.put("entriesChecked", v.entriesChecked());
          res.put("anchoredThrough", v.anchoredThrough());
          v.firstBrokenSeq().ifPresent(s -> res.put("firstBrokenSeq", s));
          v.reason().ifPresent(r -> res.put("reason", r));
          return Reply.ok(res);
        }),
        Endpoint.get("/audit/anchor", Permission.ADMIN,
            "The anchor's checkpoints of the chain head (NDJSON), for an external witness",
            c -> new Reply(200, "application/x-ndjson", audit.exportAnchor())),
        Endpoint.get("/audit/export", Permission.ADMIN, "Export the audit log as NDJSON", c -> {
          AuditQuery q = query(c, Integer.MAX_VALUE);
          StringBuilder sb = new StringBuilder();
          store.read(tx -> tx.audit(q)).forEach(e -> sb.append(view(e)).append('\n'));
          return new Reply(200, "application/x-ndjson", sb.toString().getBytes(StandardCharsets.UTF_8));
        }).withQuery("kind", "key", "actor", "from", "to", "after", "limit"));
  }

  private static AuditQuery query(Call c, int maxLimit) {
    Optional<String> kind = c.query("kind").map(k -> {
      String upper = k.toUpperCase(Locale.ROOT).replace('-', '_');
      boolean known = upper.equals("API_KEY") || upper.equals(dev.assay.server.events.EventGovernance.AUDIT_KIND) || List.of(Kind.values()).stream().anyMatch(x -> x.name().equals(upper));
      if (!known) {
        throw DomainException.invalid("kind", "unknown kind '" + k + "'");
      }
      return upper;
    });
    long after = c.query("after").map(v -> number("after", v)).orElse(0L);
    long limit = c.query("limit").map(v -> number("limit", v)).orElse((long) Math.min(100, maxLimit));
    if (limit < 1 || limit > maxLimit) {
      throw DomainException.invalid("limit", "must be between 1 and " + maxLimit);
    }
    return new AuditQuery(kind, c.query("key"), c.query("actor"), c.query("from").map(v -> time("from", v)),
        c.query("to").map(v -> time("to", v)), after, (int) limit);
  }

  private static long number(String field, String v) {
    try {
      long n = Long.parseLong(v);
      if (n < 0) {
        throw new NumberFormatException();
      }
      return n;
    } catch (NumberFormatException e) {
      throw DomainException.invalid(field, "must be a non-negative integer");
    }
  }

  private static Instant time(String field, String v) {
    try {
      return Instant.parse(v);
    } catch (DateTimeParseException e) {
      throw DomainException.invalid(field, "must be an ISO-8601 instant such as 2026-01-31T12:00:00Z");
    }
  }

  private static ObjectNode view(AuditRecord e) {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("seq", e.seq());
    o.put("at", e.at().toString());
    o.put("actor", e.actor());
    o.put("action", e.action());
    o.put("kind", e.kind().toLowerCase(Locale.ROOT));
    o.put("project", e.scope());
    o.put("key", e.key());
    o.set("before", e.before().map(AuditApi::tree).orElse(JsonNodeFactory.instance.nullNode()));
    o.set("after", e.after().map(AuditApi::tree).orElse(JsonNodeFactory.instance.nullNode()));
    o.put("prevHash", e.prevHash());
    o.put("hash", e.hash());
    e.mac().ifPresent(m -> o.put("mac", m));
    e.reason().ifPresent(r -> o.put("reason", r));
    return o;
  }

  private static JsonNode tree(String s) {
    try {
      return Json.MAPPER.readTree(s);
    } catch (JsonProcessingException ex) {
      return JsonNodeFactory.instance.textNode(s);
    }
  }
}
