package dev.assay.server.api;

/**
 * {@link ConcludeWithRolloutTest} on PostgreSQL (a fresh schema each): the conclusion, the rollout
 * and both audit entries commit in one transaction there too, and a refused plan or an approval
 * policy rolls the conclusion back with it.
 */
class PostgresConcludeWithRolloutTest extends ConcludeWithRolloutTest {
  @Override
  TestServer server() {
    return TestServer.postgres();
  }
}
