package com.example.shop;

import dev.assay.sdk.AssayClient;
import dev.assay.sdk.Attributes;
import dev.assay.sdk.FeatureResult;
import java.time.Duration;
import java.util.Map;

/**
 * A minimal application using the Assay Java SDK against a server's demo project: it connects,
 * evaluates a flag and an experiment for one user, and tracks a purchase.
 *
 * <p>Run it with the server in {@code ASSAY_SERVER} (default {@code http://localhost:8080}), an SDK
 * connection's client key in {@code ASSAY_CLIENT_KEY}, and optionally a user id as the argument.
 * It exits with 1 when the server cannot be reached.
 */
public final class ShopApp {

  private ShopApp() {}

  public static void main(String[] args) {
    String server = System.getenv().getOrDefault("ASSAY_SERVER", "http://localhost:8080");
    String clientKey = System.getenv("ASSAY_CLIENT_KEY");
    if (clientKey == null || clientKey.isBlank()) {
      System.err.println("Set ASSAY_CLIENT_KEY to an SDK connection's key (GET /api/v1/sdk-connections)");
      System.exit(2);
    }
    String userId = args.length > 0 ? args[0] : "user-42";

    try (AssayClient assay = AssayClient.builder(server, clientKey).logEvents().build()) {
      if (!assay.awaitReady(Duration.ofSeconds(10))) {
        System.err.println("Assay is not ready: " + assay.status());
        System.exit(1);
      }
      Attributes user = Attributes.of("id", userId);
      boolean newHeader = assay.features().isOn("new-header", user);
      FeatureResult button = assay.features().evaluate("checkout-button", user);
      String colour = assay.features().getString("checkout-button", user, "blue");
      assay.track("purchase", userId, 19.99, Map.of("currency", "EUR"));

      System.out.println("new-header=" + newHeader);
      System.out.println("checkout-button=" + colour + button.experimentResult()
          .filter(r -> r.inExperiment())
          .map(r -> " (experiment checkout-button, variation " + r.variationId() + " '" + r.key() + "')")
          .orElse(" (not in the experiment)"));
    }
    // close() has sent the exposure and the purchase event.
    System.out.println("tracked purchase for " + userId);
  }
}
