package dev.assay.server.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.assay.server.auth.Permission;
import dev.assay.server.domain.ConfigService;
import dev.assay.server.domain.DomainException;
import dev.assay.server.safety.AlertWatch;
import java.util.List;

/**
 * {@code GET /stale-flags?days=N}: the project's stale flags with the reason (the rule of
 * safety.StaleFlags, docs/safety.md); {@code days} defaults to {@value AlertWatch#DEFAULT_STALE_DAYS}.
 * Not under {@code /flags/} so that no flag key is shadowed.
 */
final class StaleFlagsApi implements Resource {
  /** Largest {@code days}. */
  static final int MAX_DAYS = 3650;
  private final ConfigService config;

  StaleFlagsApi(ConfigService config) {
    this.config = config;
  }

  @Override
  public List<Endpoint> endpoints() {
    return List.of(Endpoint.get("/stale-flags", Permission.READ,
        "List the project's stale flags: unchanged for days and serving one value everywhere, with the reason", c -> {
          int days = days(c.query("days").orElse(Integer.toString(AlertWatch.DEFAULT_STALE_DAYS)));
          if (!config.projectKeys().contains(c.project())) {
            throw DomainException.notFound("project '" + c.project() + "' not found");
          }
          ObjectNode res = JsonNodeFactory.instance.objectNode().put("days", days);
          ArrayNode items = res.putArray("items");
          AlertWatch.stale(config, c.project(), days, config.clock().instant()).forEach(s -> items.addObject()
              .put("key", s.key()).put("version", s.version()).put("updatedAt", s.updatedAt().toString())
              .put("daysUnchanged", s.daysUnchanged()).put("reason", s.reason()));
          return Reply.ok(res);
        }).withQuery("project", "days"));
  }

  private static int days(String raw) {
    try {
      int d = Integer.parseInt(raw);
      if (d >= 0 && d <= MAX_DAYS) {
        return d;
      }
    } catch (NumberFormatException e) {
      // named below
    }
    throw DomainException.invalid("days", "must be an integer from 0 to " + MAX_DAYS + ", was '"
        + (raw.length() > 20 ? raw.substring(0, 20) + "…" : raw) + "'");
  }
}
