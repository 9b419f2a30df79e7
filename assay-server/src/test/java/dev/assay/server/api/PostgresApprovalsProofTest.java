package dev.assay.server.api;

/** {@link ApprovalsProofTest} on PostgreSQL (the guarded apply in one transaction on the production store). */
class PostgresApprovalsProofTest extends ApprovalsProofTest {
  @Override
  TestServer server() {
    return TestServer.postgres();
  }
}
