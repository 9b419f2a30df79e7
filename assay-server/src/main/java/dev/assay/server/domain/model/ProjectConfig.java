package dev.assay.server.domain.model;

import java.util.List;

/**
 * Everything of one project that SDK payloads are compiled from, read in one transaction (a
 * consistent snapshot).
 */
public record ProjectConfig(String project, List<Versioned<Flag>> flags, List<Versioned<Experiment>> experiments,
    List<Versioned<Segment>> segments, List<Versioned<Holdout>> holdouts,
    List<Versioned<SdkConnection>> sdkConnections, List<Versioned<Rollout>> rollouts) {
  public ProjectConfig {
    rollouts = List.copyOf(rollouts);
    flags = List.copyOf(flags);
    experiments = List.copyOf(experiments);
    segments = List.copyOf(segments);
    holdouts = List.copyOf(holdouts);
    sdkConnections = List.copyOf(sdkConnections);
  }

  /** A configuration without rollouts (a past configuration read from the audit log). */
  public ProjectConfig(String project, List<Versioned<Flag>> flags, List<Versioned<Experiment>> experiments,
      List<Versioned<Segment>> segments, List<Versioned<Holdout>> holdouts,
      List<Versioned<SdkConnection>> sdkConnections) {
    this(project, flags, experiments, segments, holdouts, sdkConnections, List.of());
  }

  /** A project with nothing in it (or one that does not exist). */
  public static ProjectConfig empty(String project) {
    return new ProjectConfig(project, List.of(), List.of(), List.of(), List.of(), List.of());
  }
}
