package dev.assay.server.domain.model;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/** The metrics of an experiment: one primary (goal), secondaries, and guardrails. */
public record MetricRefs(Optional<String> primary, List<String> secondary, List<Guardrail> guardrails) {
  /** No metrics. */
  public static final MetricRefs NONE = new MetricRefs(Optional.empty(), List.of(), List.of());

  public MetricRefs(@Nullable Optional<String> primary, @Nullable List<String> secondary,
      @Nullable List<Guardrail> guardrails) {
    this.primary = Check.optionalKey("primary", primary);
    this.secondary = Check.list("secondary", secondary, 50);
    for (int i = 0; i < this.secondary.size(); i++) {
      Check.key("secondary[" + i + "]", this.secondary.get(i));
    }
    this.guardrails = Check.list("guardrails", guardrails, 50);
  }

  /** Every metric key named, in order: primary, secondaries, guardrails (with repeats). */
  public List<String> all() {
    List<String> out = new ArrayList<>();
    primary.ifPresent(out::add);
    out.addAll(secondary);
    guardrails.forEach(g -> out.add(g.metric()));
    return out;
  }

  /** The guardrails by metric key (the first of a metric wins). */
  public Map<String, Guardrail> guardrailsByMetric() {
    Map<String, Guardrail> out = new LinkedHashMap<>();
    guardrails.forEach(g -> out.putIfAbsent(g.metric(), g));
    return out;
  }
}
