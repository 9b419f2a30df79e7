package dev.assay.server.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.assay.server.auth.Logins;
import dev.assay.server.auth.Permission;
import dev.assay.server.domain.ConfigService;
import dev.assay.server.domain.DomainException;
import dev.assay.server.store.Kind;
import java.util.ArrayList;
import java.util.List;

/**
 * `/users`: users; and `/users/{key}/password`, which sets the password a user signs in to the
 * web UI with (write-only: no endpoint returns it or its hash).
 */
final class UsersApi implements Resource {
  private final ConfigService config;
  private final Logins logins;

  UsersApi(ConfigService config, Logins logins) {
    this.config = config;
    this.logins = logins;
  }

  @Override
  public List<Endpoint> endpoints() {
    List<Endpoint> out = new ArrayList<>(Crud.endpoints(config, Kind.USER, "/users", Permission.ADMIN, true));
    out.add(Endpoint.put("/users/{key}/password", Permission.ADMIN,
        "Set or reset the user's web UI password (at least 12 characters; ends the user's sessions)", c -> {
          JsonNode body = c.json();
          if (!body.isObject()) {
            throw DomainException.invalid("body", "must be a JSON object");
          }
          body.fieldNames().forEachRemaining(f -> {
            if (!f.equals("password")) {
              throw DomainException.invalid(f, "unknown field; known fields are [password]");
            }
          });
          JsonNode p = body.get("password");
          if (p != null && !p.isNull() && !p.isTextual()) {
            throw DomainException.invalid("password", "must be a string");
          }
          logins.setPassword(c.path("key"), p == null || p.isNull() ? "" : p.asText(), c.actor());
          return Reply.noContent();
        }).withRequestSchema(OpenApi.schema("""
            {"type":"object","additionalProperties":false,"required":["password"],
             "properties":{"password":{"type":"string","minLength":12,"maxLength":200,"writeOnly":true}}}""")));
    return out;
  }
}
