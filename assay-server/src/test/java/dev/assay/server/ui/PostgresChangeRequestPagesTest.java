package dev.assay.server.ui;

/** {@link ChangeRequestPagesTest} on PostgreSQL: the approval that applies a change commits it on the production store. */
class PostgresChangeRequestPagesTest extends ChangeRequestPagesTest {
  @Override
  UiTestServer server() {
    return UiTestServer.postgres();
  }
}
