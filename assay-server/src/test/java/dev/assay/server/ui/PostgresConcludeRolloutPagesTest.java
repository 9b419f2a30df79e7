package dev.assay.server.ui;

/** {@link ConcludeRolloutPagesTest} on PostgreSQL: the conclusion and the rollout commit, or roll back, together there too. */
class PostgresConcludeRolloutPagesTest extends ConcludeRolloutPagesTest {
  @Override
  UiTestServer server() {
    return UiTestServer.postgres();
  }
}
