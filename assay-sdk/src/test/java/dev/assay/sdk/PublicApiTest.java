package dev.assay.sdk;

import dev.assay.testsupport.ApiCheck;
import org.junit.jupiter.api.Test;

/**
 * The public API of assay-sdk is the one in {@code api/assay-sdk.api}: a change to it is a decision, accepted
 * by rewriting the file (ADR 0021; the failure message gives the command).
 */
class PublicApiTest {

  @Test
  void publicApi_matchesTheCheckedInApiFile() {
    ApiCheck.verify("assay-sdk", AssayClient.class);
  }
}
