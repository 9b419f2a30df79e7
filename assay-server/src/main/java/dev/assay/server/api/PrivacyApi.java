package dev.assay.server.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.assay.server.auth.Permission;
import dev.assay.server.domain.DomainException;
import dev.assay.server.events.IngestRules;
import dev.assay.server.privacy.DpExport;
import dev.assay.server.privacy.PrivacyBudget;
import dev.assay.server.privacy.PrivacySettings;
import dev.assay.server.privacy.PrivacySettingsService;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A project's privacy settings (docs/privacy.md, ADR 0044): {@code GET /privacy} reads them,
 * {@code PUT /privacy} replaces them (admins; audited; a field left out takes its default); the
 * differentially private export of an experiment's results and its ε budget. Every field of a bad
 * body or query is named in the 400.
 */
final class PrivacyApi implements Resource {
  private static final Set<String> FIELDS = Set.of("consent", "redactions", "retentionDays", "minCellUnits",
      "epsilonBudget", "clipBounds");
  private static final ObjectNode SCHEMA = OpenApi.schema("""
      {"type":"object","additionalProperties":false,
       "properties":{"consent":{"type":"string","enum":["keep","strip","drop"]},
        "redactions":{"type":"object","additionalProperties":{"type":"string","pattern":"^(hash|drop|truncate:[0-9]+)$"}},
        "retentionDays":{"type":"object","additionalProperties":{"type":"integer","minimum":1,"maximum":36500}},
        "minCellUnits":{"type":"integer","minimum":1},"epsilonBudget":{"type":"number","exclusiveMinimum":0,"maximum":100},
        "clipBounds":{"type":"object","additionalProperties":{"type":"object","additionalProperties":false,
          "required":["lo","hi"],"properties":{"lo":{"type":"number"},"hi":{"type":"number"}}}}}}""");
  private final PrivacySettingsService settings;
  private final PrivacyBudget budget;
  private final java.util.Optional<DpExport> dp;

  PrivacyApi(PrivacySettingsService settings, PrivacyBudget budget, java.util.Optional<DpExport> dp) {
    this.settings = settings;
    this.budget = budget;
    this.dp = dp;
  }

  @Override
  public List<Endpoint> endpoints() {
    List<Endpoint> out = new ArrayList<>();
    out.add(Endpoint.get("/privacy", Permission.READ,
        "The project's privacy settings: consent policy, redaction rules, retention per event type, small-cell k,"
            + " ε budget per experiment and metric clip bounds", c -> Reply.ok(view(settings.get(c.project()))))
        .withQuery("project"));
    out.add(Endpoint.put("/privacy", Permission.ADMIN,
        "Replace the project's privacy settings (audited; a field left out takes its default; applies to the next"
            + " batch ingested)", c -> Reply.ok(view(settings.set(c.project(), parse(c.json()), c.actor()))))
        .withRequestSchema(SCHEMA).withQuery("project"));
    out.add(Endpoint.get("/experiments/{key}/results/dp-export", Permission.WRITE_METRICS,
        "Differentially private export of the latest phase's sufficient statistics (n, sum, sum of squares per"
            + " variation and clipped metric) with Laplace or Gaussian noise; spends ?epsilon= of the experiment's"
            + " budget (audited), 409 naming the remaining budget when it would be exceeded", this::dpExport)
        .withQuery("project", "epsilon", "mechanism", "delta"));
    out.add(Endpoint.get("/experiments/{key}/privacy-budget", Permission.READ,
        "The experiment's differential-privacy budget: total ε, spent, remaining, exports", c -> {
          PrivacyBudget.Status s = budget.status(c.project(), c.path("key"));
          ObjectNode o = JsonNodeFactory.instance.objectNode();
          o.put("experiment", c.path("key")).put("total", s.total()).put("spent", s.spent())
              .put("remaining", s.remaining()).put("exports", s.exports());
          return Reply.ok(o);
        }).withQuery("project"));
    return out;
  }

  /* GET /experiments/{key}/results/dp-export: validates the query, then exports (and spends ε). */
  private Reply dpExport(Call c) {
    DpExport export = dp.orElseThrow(() -> DomainException.conflict("no_warehouse",
        "no analysis warehouse is configured: start the server with --warehouse-url", List.of()));
    double epsilon = number(c, "epsilon").orElseThrow(() -> DomainException.invalid("epsilon",
        "query parameter is required: the ε to spend, above 0 and at most 100"));
    if (!(epsilon > 0) || epsilon > 100) {
      throw DomainException.invalid("epsilon", "must be above 0 and at most 100, was " + epsilon);
    }
    DpExport.Mechanism mechanism = switch (c.query("mechanism").orElse("laplace")) {
      case "laplace" -> DpExport.Mechanism.LAPLACE;
      case "gaussian" -> DpExport.Mechanism.GAUSSIAN;
      default -> throw DomainException.invalid("mechanism", "must be laplace or gaussian, was '"
          + c.query("mechanism").orElse("") + "'");
    };
    java.util.Optional<Double> delta = number(c, "delta");
    if (mechanism == DpExport.Mechanism.GAUSSIAN) {
      double d = delta.orElseThrow(() -> DomainException.invalid("delta",
          "query parameter is required with mechanism=gaussian: a probability above 0 and below 1, e.g. 1e-6"));
      if (!(d > 0 && d < 1)) {
        throw DomainException.invalid("delta", "must be above 0 and below 1, was " + d);
      }
    } else if (delta.isPresent()) {
      throw DomainException.invalid("delta", "applies to mechanism=gaussian only");
    }
    return Reply.ok(export.export(c.project(), c.path("key"), epsilon, mechanism, delta.orElse(0.0), c.actor()));
  }

  private static java.util.Optional<Double> number(Call c, String name) {
    return c.query(name).map(v -> {
      try {
        double d = Double.parseDouble(v);
        if (!Double.isFinite(d)) {
          throw new NumberFormatException();
        }
        return d;
      } catch (NumberFormatException e) {
        throw DomainException.invalid(name, "must be a number, was '" + v + "'");
      }
    });
  }

  static PrivacySettings parse(JsonNode body) {
    if (!body.isObject()) {
      throw DomainException.invalid("body", "must be a JSON object");
    }
    body.fieldNames().forEachRemaining(f -> {
      if (!FIELDS.contains(f)) {
        throw DomainException.invalid(f, "unknown field; known fields are " + FIELDS.stream().sorted().toList());
      }
    });
    PrivacySettings d = PrivacySettings.DEFAULTS;
    IngestRules.WithoutConsent consent = d.consent();
    JsonNode c = body.get("consent");
    if (c != null && !c.isNull()) {
      consent = switch (c.isTextual() ? c.asText() : "") {
        case "keep" -> IngestRules.WithoutConsent.KEEP;
        case "strip" -> IngestRules.WithoutConsent.STRIP;
        case "drop" -> IngestRules.WithoutConsent.DROP;
        default -> throw DomainException.invalid("consent", "must be keep, strip or drop, was " + c);
      };
    }
    Map<String, String> redactions = new LinkedHashMap<>();
    object(body, "redactions").forEach((name, v) -> {
      if (!v.isTextual()) {
        throw DomainException.invalid("redactions." + name, "must be a string: hash, drop or truncate:N");
      }
      redactions.put(name, v.asText());
    });
    Map<String, Integer> retention = new LinkedHashMap<>();
    object(body, "retentionDays").forEach((name, v) -> {
      if (!v.isIntegralNumber() || !v.canConvertToInt()) {
        throw DomainException.invalid("retentionDays." + name, "must be a whole number of days from 1 to 36500");
      }
      retention.put(name, v.intValue());
    });
    int k = d.minCellUnits();
    JsonNode kn = body.get("minCellUnits");
    if (kn != null && !kn.isNull()) {
      if (!kn.isIntegralNumber() || !kn.canConvertToInt()) {
        throw DomainException.invalid("minCellUnits", "must be a whole number from 1 to 1000000");
      }
      k = kn.intValue();
    }
    double budget = d.epsilonBudget();
    JsonNode bn = body.get("epsilonBudget");
    if (bn != null && !bn.isNull()) {
      if (!bn.isNumber()) {
        throw DomainException.invalid("epsilonBudget", "must be a number above 0 and at most 100");
      }
      budget = bn.doubleValue();
    }
    Map<String, PrivacySettings.ClipBound> bounds = new LinkedHashMap<>();
    object(body, "clipBounds").forEach((name, v) -> bounds.put(name, bound("clipBounds." + name, v)));
    return new PrivacySettings(consent, redactions, retention, k, budget, bounds);
  }

  private static PrivacySettings.ClipBound bound(String field, JsonNode v) {
    if (!v.isObject()) {
      throw DomainException.invalid(field, "must be an object {\"lo\": number, \"hi\": number}");
    }
    v.fieldNames().forEachRemaining(f -> {
      if (!f.equals("lo") && !f.equals("hi")) {
        throw DomainException.invalid(field + "." + f, "unknown field; known fields are [hi, lo]");
      }
    });
    JsonNode lo = v.get("lo");
    JsonNode hi = v.get("hi");
    if (lo == null || !lo.isNumber()) {
      throw DomainException.invalid(field + ".lo", "is required: a number");
    }
    if (hi == null || !hi.isNumber()) {
      throw DomainException.invalid(field + ".hi", "is required: a number");
    }
    try {
      return new PrivacySettings.ClipBound(lo.doubleValue(), hi.doubleValue());
    } catch (IllegalArgumentException e) {
      throw DomainException.invalid(field, e.getMessage());
    }
  }

  private static Map<String, JsonNode> object(JsonNode body, String field) {
    JsonNode v = body.get(field);
    Map<String, JsonNode> out = new LinkedHashMap<>();
    if (v == null || v.isNull()) {
      return out;
    }
    if (!v.isObject()) {
      throw DomainException.invalid(field, "must be a JSON object");
    }
    v.properties().forEach(e -> out.put(e.getKey(), e.getValue()));
    return out;
  }

  static ObjectNode view(PrivacySettings s) {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("consent", s.consent().name().toLowerCase(Locale.ROOT));
    ObjectNode r = o.putObject("redactions");
    s.redactions().forEach(r::put);
    ObjectNode t = o.putObject("retentionDays");
    s.retentionDays().forEach(t::put);
    o.put("minCellUnits", s.minCellUnits());
    o.put("epsilonBudget", s.epsilonBudget());
    ObjectNode b = o.putObject("clipBounds");
    s.clipBounds().forEach((name, bound) -> b.putObject(name).put("lo", bound.lo()).put("hi", bound.hi()));
    return o;
  }
}
