package dev.assay.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.assay.sdk.Attributes;
import dev.assay.sdk.ExperimentClient;
import dev.assay.sdk.ExperimentResult;
import dev.assay.sdk.FeatureResult;
import dev.assay.testsupport.Await;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;

/**
 * The GrowthBook browser SDK (the ESM bundle of npm {@code @growthbook/growthbook}) in Chromium, on
 * a page served from another origin than Assay (a JDK HTTP server on 127.0.0.1): it loads the
 * payload cross-origin, shows each unit's variant in the DOM (the same as the Java SDK's), posts
 * its exposures to {@code /api/v1/events} with the client key, and shows a change pushed by SSE.
 */
class GrowthBookBrowserE2ETest {
  @RegisterExtension
  static final Browser SCREENSHOT_ON_FAILURE = new Browser();
  private static final String EXPERIMENT = "js-browser-split";
  private static ServeProcess server;
  private static HttpServer pages;

  @BeforeAll
  static void start() throws Exception {
    Path js = NodeClients.install();
    server = new ServeProcess();
    server.admin("POST", "/experiments", "{\"key\":\"" + EXPERIMENT + "\",\"name\":\"JS browser split\","
        + "\"variants\":[{\"key\":\"control\",\"weight\":0.5,\"value\":\"Pay now\"},"
        + "{\"key\":\"urgent\",\"weight\":0.5,\"value\":\"Pay now — 2 left\"}],\"metrics\":{\"primary\":\"purchase\"}}");
    server.admin("POST", "/experiments/" + EXPERIMENT + "/start", "{}");
    server.admin("POST", "/flags", "{\"key\":\"js-browser-banner\",\"type\":\"string\",\"defaultValue\":\"Welcome\"}");
    GrowthBookNodeE2ETest.awaitInPayload(server, "\"js-browser-banner\"");
    GrowthBookNodeE2ETest.awaitInPayload(server, "\"" + EXPERIMENT + "\"");

    byte[] units = GrowthBookNodeE2ETest.JSON.writeValueAsBytes(GrowthBookNodeE2ETest.units(300));
    Map<String, Path> files = Map.of(
        "/index.html", js.resolve("browser/index.html"),
        // The SDK's self-contained ES module build for browsers (package.json "files": dist/bundles).
        "/growthbook.mjs", js.resolve("node_modules/@growthbook/growthbook/dist/bundles/esm.js"));
    pages = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    pages.createContext("/", exchange -> {
      String path = exchange.getRequestURI().getPath();
      if (path.equals("/units.json")) {
        send(exchange, 200, "application/json", units);
      } else if (files.containsKey(path)) {
        send(exchange, 200, path.endsWith(".mjs") ? "text/javascript" : "text/html; charset=utf-8",
            Files.readAllBytes(files.get(path)));
      } else {
        send(exchange, 404, "text/plain", "not found".getBytes(StandardCharsets.UTF_8));
      }
    });
    pages.start();
  }

  private static void send(HttpExchange exchange, int status, String type, byte[] body) throws IOException {
    exchange.getResponseHeaders().set("Content-Type", type);
    exchange.sendResponseHeaders(status, body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }

  @AfterAll
  static void stop() throws Exception {
    if (pages != null) {
      pages.stop(0);
    }
    if (server != null) {
      server.close();
    }
  }

  @Test
  void browserSdk_crossOrigin_showsTheJavaSdksVariants_tracksExposures_andStreamsAChange() throws Exception {
    WebDriver d = Browser.driver();
    String page = "http://127.0.0.1:" + pages.getAddress().getPort() + "/index.html?api="
        + URLEncoder.encode(server.baseUrl(), StandardCharsets.UTF_8) + "&key=" + server.demoClientKey
        + "&feature=" + EXPERIMENT + "&watch=js-browser-banner";
    d.get(page);
    Browser.waitFor(d).until(ExpectedConditions.textMatches(By.id("status"), java.util.regex.Pattern.compile("ready|error.*")));
    assertThat(d.findElement(By.id("status")).getText()).isEqualTo("ready");

    // What the page shows for each unit, against the Java SDK on the payload Assay serves.
    @SuppressWarnings("unchecked")
    List<Map<String, String>> shown = (List<Map<String, String>>) ((JavascriptExecutor) d).executeScript(
        "return [...document.querySelectorAll('#units li')].map(li => ({id: li.dataset.id,"
            + " variation: li.dataset.variation, value: li.textContent}));");
    String payload = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create(server.baseUrl() + "/api/features/" + server.demoClientKey)).build(),
        HttpResponse.BodyHandlers.ofString()).body();
    ExperimentClient java = ExperimentClient.builder().payload(payload).build();
    List<Map<String, Object>> units = GrowthBookNodeE2ETest.units(300);
    assertThat(shown).hasSize(units.size());
    Map<Integer, Integer> expected = new TreeMap<>();
    for (int i = 0; i < units.size(); i++) {
      FeatureResult r = java.evaluate(EXPERIMENT, Attributes.fromMap(units.get(i)));
      ExperimentResult x = r.experimentResult().orElseThrow();
      assertThat(shown.get(i).get("id")).isEqualTo(units.get(i).get("id"));
      assertThat(shown.get(i).get("variation")).as("variation of %s", units.get(i).get("id"))
          .isEqualTo(x.inExperiment() ? String.valueOf(x.variationId()) : "");
      assertThat(shown.get(i).get("value")).isEqualTo(GrowthBookNodeE2ETest.JSON.writeValueAsString(r.value().orElseThrow()));
      if (x.inExperiment()) {
        expected.merge(x.variationId(), 1, Integer::sum);
      }
    }
    assertThat(expected).containsOnlyKeys(0, 1);

    // The exposures, posted cross-origin with the client key, are stored and counted.
    JsonNode tracked = GrowthBookNodeE2ETest.JSON.readTree(d.findElement(By.id("tracked")).getText());
    assertThat(tracked.get("status").asInt()).as(tracked.toString()).isEqualTo(200);
    assertThat(tracked.get("accepted").asInt()).isEqualTo(tracked.get("sent").asInt()).isGreaterThanOrEqualTo(units.size());
    Await.until(() -> exposures().equals(expected), Duration.ofSeconds(60),
        () -> "summary " + exposures() + " counts the page's exposures " + expected);

    // A change of the flag reaches the page by server-sent events (the browser asks for gzip).
    assertThat(d.findElement(By.id("banner")).getText()).isEqualTo("Welcome");
    server.setDefault("js-browser-banner", "string", "\"Sale — 20% off\"");
    Browser.waitFor(d).until(ExpectedConditions.textToBe(By.id("banner"), "Sale — 20% off"));
  }

  private static Map<Integer, Integer> exposures() {
    Map<Integer, Integer> counts = new TreeMap<>();
    for (JsonNode row : server.admin("GET", "/events/summary?from=0", null).get("byExperiment")) {
      if (EXPERIMENT.equals(row.get("experimentKey").asText())) {
        counts.put(row.get("variationId").asInt(), row.get("exposures").asInt());
      }
    }
    return counts;
  }
}
