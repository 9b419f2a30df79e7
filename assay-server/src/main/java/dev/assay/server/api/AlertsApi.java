package dev.assay.server.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.assay.server.alerts.AlertOutbox;
import dev.assay.server.alerts.AlertType;
import dev.assay.server.auth.Permission;
import dev.assay.server.domain.DomainException;
import dev.assay.server.store.AlertStore.Delivery;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Alert channels and deliveries (ADR 0027): {@code /alert-channels} (list, create — the secret is
 * in the creation reply only —, delete, send a test alert) and {@code /alerts} (recent deliveries
 * with their status, the dead-letter list, retry of a dead delivery).
 */
final class AlertsApi implements Resource {
  private static final Set<String> FIELDS = Set.of("key", "url", "format", "types");
  private static final Set<String> STATUSES = Set.of("pending", "delivered", "dead");
  private static final int DEFAULT_LIMIT = 100;
  private final AlertOutbox alerts;

  AlertsApi(AlertOutbox alerts) {
    this.alerts = alerts;
  }

  @Override
  public List<Endpoint> endpoints() {
    return List.of(
        Endpoint.get("/alert-channels", Permission.READ, "List the project's alert channels (without secrets)", c -> {
          ObjectNode res = JsonNodeFactory.instance.objectNode();
          ArrayNode items = res.putArray("items");
          alerts.channels(c.project()).forEach(ch -> items.add(AlertOutbox.view(ch)));
          return Reply.ok(res);
        }).withQuery("project"),
        Endpoint.post("/alert-channels", Permission.ADMIN, "Create a webhook alert channel; the reply holds its"
            + " signing secret, shown this once", c -> {
              JsonNode body = c.json();
              checkFields(body);
              AlertOutbox.Created created = alerts.createChannel(c.project(), text(body, "key", null),
                  text(body, "url", null), text(body, "format", "json"), types(body), c.actor());
              return Reply.created(AlertOutbox.view(created.channel()).put("secret", created.secret()));
            })
            .withRequestSchema(OpenApi.schema("""
                {"type":"object","additionalProperties":false,"required":["key","url"],
                 "properties":{"key":{"type":"string"},"url":{"type":"string","format":"uri"},
                  "format":{"type":"string","enum":["json","slack"]},
                  "types":{"type":"array","items":{"type":"string"}}}}"""))
            .withQuery("project"),
        Endpoint.delete("/alert-channels/{key}", Permission.ADMIN, "Delete an alert channel", c -> {
          alerts.deleteChannel(c.project(), c.path("key"), c.actor());
          return Reply.noContent();
        }).withQuery("project"),
        Endpoint.action("/alert-channels/{key}/test", Permission.WRITE_CONFIG,
            "Queue a test alert to the channel (delivered in the background; see GET /alerts)", c -> {
              c.noFields("test");
              return Reply.json(202, AlertOutbox.view(alerts.test(c.project(), c.path("key"), c.actor())));
            }).withQuery("project"),
        Endpoint.get("/alerts", Permission.READ, "The project's recent alert deliveries, newest first", c -> {
          Optional<String> status = c.query("status");
          status.filter(s -> !STATUSES.contains(s)).ifPresent(s -> {
            throw DomainException.invalid("status", "must be one of pending, delivered, dead");
          });
          return Reply.ok(items(alerts.deliveries(c.project(), status, limit(c))));
        }).withQuery("project", "status", "limit"),
        Endpoint.get("/alerts/dead-letter", Permission.READ, "Deliveries that failed every attempt, newest first",
            c -> Reply.ok(items(alerts.deliveries(c.project(), Optional.of("dead"), limit(c)))))
            .withQuery("project", "limit"),
        Endpoint.action("/alerts/dead-letter/{id}/retry", Permission.WRITE_CONFIG,
            "Deliver a dead delivery again, with a fresh count of attempts", c -> {
              c.noFields("retry");
              return Reply.json(202, AlertOutbox.view(alerts.retry(c.project(), c.path("id"))));
            }).withQuery("project"));
  }

  private static ObjectNode items(List<Delivery> deliveries) {
    ObjectNode res = JsonNodeFactory.instance.objectNode();
    ArrayNode items = res.putArray("items");
    deliveries.forEach(d -> items.add(AlertOutbox.view(d)));
    return res;
  }

  private static int limit(Call c) {
    return c.query("limit").map(v -> {
      try {
        int n = Integer.parseInt(v);
        if (n >= 1 && n <= AlertOutbox.MAX_LIST) {
          return n;
        }
      } catch (NumberFormatException e) {
        // answered below
      }
      throw DomainException.invalid("limit", "must be an integer from 1 to " + AlertOutbox.MAX_LIST);
    }).orElse(DEFAULT_LIMIT);
  }

  private static void checkFields(JsonNode body) {
    if (!body.isObject()) {
      throw DomainException.invalid("body", "must be a JSON object");
    }
    body.fieldNames().forEachRemaining(f -> {
      if (!FIELDS.contains(f)) {
        throw DomainException.invalid(f, "unknown field; known fields are [format, key, types, url]");
      }
    });
  }

  private static String text(JsonNode body, String field, String fallback) {
    JsonNode v = body.get(field);
    if (v == null || v.isNull()) {
      if (fallback == null) {
        throw DomainException.invalid(field, "is required");
      }
      return fallback;
    }
    if (!v.isTextual()) {
      throw DomainException.invalid(field, "must be a string");
    }
    return v.asText();
  }

  private static List<String> types(JsonNode body) {
    JsonNode v = body.get("types");
    if (v == null || v.isNull()) {
      return List.of(AlertType.ALL);
    }
    if (!v.isArray()) {
      throw DomainException.invalid("types", "must be an array of alert types, such as [\"experiment.halted\"]");
    }
    List<String> out = new ArrayList<>();
    for (JsonNode t : v) {
      if (!t.isTextual()) {
        throw DomainException.invalid("types", "must contain only strings");
      }
      out.add(t.asText());
    }
    return out;
  }
}
