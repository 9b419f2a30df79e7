package dev.assay.server.ascode;

import dev.assay.server.store.Kind;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The kinds a file document can be, in the order a plan applies them: what a kind refers to comes
 * before it (flags name experiments in their rules; holdouts name flags and experiments). A
 * project document describes the project being applied to (its name and description): it comes
 * first, so that applying a directory can create its project. An event schema names nothing and
 * nothing names it; it is owned by {@code events.DataContracts}, not the config service (ADR 0052).
 */
enum DocKind {
  PROJECT(Kind.PROJECT, true),
  ENVIRONMENT(Kind.ENVIRONMENT, true),
  SEGMENT(Kind.SEGMENT, true),
  METRIC(Kind.METRIC, true),
  EVENT_SCHEMA(Kind.EVENT_SCHEMA, false),
  LAYER(Kind.LAYER, true),
  EXPERIMENT(Kind.EXPERIMENT, true),
  FLAG(Kind.FLAG, true),
  HOLDOUT(Kind.HOLDOUT, true);

  final Kind store;
  /** Whether its resources are domain records of the config service (else event schemas of the data contracts). */
  final boolean config;

  DocKind(Kind store, boolean config) {
    this.store = store;
    this.config = config;
  }

  /** The name in files and messages, e.g. {@code experiment}. */
  String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The folder an export writes this kind's files to, e.g. {@code experiments}. */
  String folder() {
    return wire() + "s";
  }

  static Optional<DocKind> of(String wire) {
    return Arrays.stream(values()).filter(k -> k.wire().equals(wire)).findFirst();
  }

  static Optional<DocKind> of(Kind kind) {
    return Arrays.stream(values()).filter(k -> k.store == kind).findFirst();
  }

  static List<String> wires() {
    return Arrays.stream(values()).map(DocKind::wire).toList();
  }
}
