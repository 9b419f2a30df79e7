package dev.assay.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.example.shop.ShopApp;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.assay.sdk.AssayClient;
import dev.assay.sdk.Attributes;
import dev.assay.sdk.ExperimentResult;
import dev.assay.testsupport.Await;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The example application of {@code examples/java-sdk-app} run as a user would run it: its own
 * {@code java} process with nothing on the class path but the example's classes, the SDK jar and
 * the SDK's one dependency, against a real {@code assay serve --demo}. What it prints must agree
 * with the SDK's own evaluation of the server's payload, and the exposure and the purchase it
 * sends must be stored by the server under the unit it used.
 */
class ExampleAppE2ETest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static ServeProcess server;

  @BeforeAll
  static void start() throws Exception {
    server = new ServeProcess();
  }

  @AfterAll
  static void stop() throws Exception {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void main_userInTheExperiment_printsItsVariationAndTheServerStoresItsExposureAndPurchase() throws Exception {
    // A unit that the demo's checkout-button experiment (half of the checkout layer) takes in,
    // and what the SDK itself says it gets.
    String unit;
    ExperimentResult expected;
    boolean expectedHeader;
    try (AssayClient sdk = AssayClient.builder(server.baseUrl(), server.demoClientKey).build()) {
      assertThat(sdk.awaitReady(Duration.ofSeconds(60))).as("payload of the demo server").isTrue();
      int i = 0;
      while (true) {
        Attributes user = Attributes.of("id", "example-app-" + i);
        Optional<ExperimentResult> r = sdk.features().evaluate("checkout-button", user).experimentResult()
            .filter(ExperimentResult::inExperiment);
        if (r.isPresent()) {
          unit = "example-app-" + i;
          expected = r.get();
          expectedHeader = sdk.features().isOn("new-header", user);
          break;
        }
        assertThat(++i).as("a unit in checkout-button among the first 100").isLessThan(100);
      }
    }

    Run run = runExample(unit);

    assertThat(run.exitCode).as("exit code; output:%n%s", run.output).isZero();
    assertThat(run.output).contains(
        "new-header=" + expectedHeader,
        "checkout-button=" + expected.value().orElseThrow() + " (experiment checkout-button, variation "
            + expected.variationId() + " '" + expected.key() + "')",
        "tracked purchase for " + unit);

    AtomicReference<JsonNode> seen = new AtomicReference<>();
    Await.until(() -> {
      seen.set(unitEvents(unit));
      return seen.get() != null && exposure(seen.get()).isPresent() && purchase(seen.get()).isPresent();
    }, Duration.ofSeconds(60), () -> "the example's exposure and purchase of " + unit + "; seen " + seen.get());
    JsonNode exposure = exposure(seen.get()).orElseThrow();
    assertThat(exposure.get("variationId").asInt()).isEqualTo(expected.variationId());
    JsonNode purchase = purchase(seen.get()).orElseThrow();
    assertThat(purchase.get("value").asDouble()).isEqualTo(19.99);
    assertThat(purchase.get("properties").get("currency").asText()).isEqualTo("EUR");
  }

  @Test
  void main_withoutAClientKey_exitsWithTwoAndSaysWhatToSet() throws Exception {
    Run run = runExample(null, "user-1");

    assertThat(run.exitCode).isEqualTo(2);
    assertThat(run.output).contains("Set ASSAY_CLIENT_KEY");
  }

  @Test
  void main_unknownClientKey_exitsWithOneAndShowsTheStatus() throws Exception {
    Run run = runExample("sdk-does-not-exist", "user-1");

    assertThat(run.exitCode).as("output:%n%s", run.output).isEqualTo(1);
    assertThat(run.output).contains("Assay is not ready");
  }

  private record Run(int exitCode, String output) {}

  private static Run runExample(String unit) throws Exception {
    return runExample(server.demoClientKey, unit);
  }

  /** Runs the example's main in a JVM of its own, with only its class path; {@code key} null leaves ASSAY_CLIENT_KEY unset. */
  private static Run runExample(String key, String unit) throws Exception {
    String classPath = String.join(File.pathSeparator,
        location(ShopApp.class), location(AssayClient.class), location(JsonFactory.class));
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> command = new ArrayList<>(List.of(java, "-cp", classPath, ShopApp.class.getName(), unit));
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.environment().put("ASSAY_SERVER", server.baseUrl());
    pb.environment().remove("ASSAY_CLIENT_KEY");
    if (key != null) {
      pb.environment().put("ASSAY_CLIENT_KEY", key);
    }
    Process p = pb.start();
    p.getOutputStream().close();
    // The output is small; read it to the end, which is also when the process closes its stdout.
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("the example did not exit within 120 s: " + output);
    }
    return new Run(p.exitValue(), output);
  }

  private static String location(Class<?> type) throws URISyntaxException {
    return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
  }

  /** The unit's stored events, or null while it has none (404). */
  private static JsonNode unitEvents(String unit) {
    HttpRequest request = HttpRequest.newBuilder(
            URI.create(server.baseUrl() + "/api/v1/events/units/" + unit + "?project=demo"))
        .header("Authorization", "Bearer " + ServeProcess.ADMIN_TOKEN).GET().build();
    try {
      HttpResponse<String> r = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() == 404) {
        return null;
      }
      assertThat(r.statusCode()).as("GET /events/units/%s: %s", unit, r.body()).isEqualTo(200);
      return JSON.readTree(r.body()).get("events");
    } catch (IOException e) {
      throw new AssertionError(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  private static Optional<JsonNode> exposure(JsonNode events) {
    for (JsonNode e : events) {
      if ("exposure".equals(e.path("type").asText()) && "checkout-button".equals(e.path("experimentKey").asText())) {
        return Optional.of(e);
      }
    }
    return Optional.empty();
  }

  private static Optional<JsonNode> purchase(JsonNode events) {
    for (JsonNode e : events) {
      if ("metric".equals(e.path("type").asText()) && "purchase".equals(e.path("name").asText())) {
        return Optional.of(e);
      }
    }
    return Optional.empty();
  }
}
