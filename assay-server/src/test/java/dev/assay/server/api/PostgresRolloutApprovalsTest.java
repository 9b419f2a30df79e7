package dev.assay.server.api;

/** {@link RolloutApprovalsTest} on PostgreSQL (the guarded rollout write and the request's close in one transaction). */
class PostgresRolloutApprovalsTest extends RolloutApprovalsTest {
  @Override
  TestServer server(java.util.function.UnaryOperator<dev.assay.server.ServerConfig.Builder> customize) {
    return TestServer.postgres(customize);
  }
}
