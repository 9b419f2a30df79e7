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
 * first, so that applying a directory can create its project.
 */
enum DocKind {
  PROJECT(Kind.PROJECT),
  ENVIRONMENT(Kind.ENVIRONMENT),
  SEGMENT(Kind.SEGMENT),
  METRIC(Kind.METRIC),
  LAYER(Kind.LAYER),
  EXPERIMENT(Kind.EXPERIMENT),
  FLAG(Kind.FLAG),
  HOLDOUT(Kind.HOLDOUT);

  final Kind store;

  DocKind(Kind store) {
    this.store = store;
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
