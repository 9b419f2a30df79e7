package dev.assay.openfeature;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.assay.sdk.AssayClient;
import dev.assay.sdk.EventLogger;
import dev.assay.sdk.ExperimentClient;
import dev.openfeature.sdk.Client;
import dev.openfeature.sdk.ImmutableContext;
import dev.openfeature.sdk.MutableTrackingEventDetails;
import dev.openfeature.sdk.NoOpProvider;
import dev.openfeature.sdk.OpenFeatureAPI;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code Client.track(...)} through the provider reaches the SDK's {@link EventLogger}, which posts
 * it to a real HTTP server (the JDK's) standing in for {@code POST /api/v1/events}.
 */
class AssayProviderTrackingTest {

  private static final AtomicInteger DOMAINS = new AtomicInteger();

  private final OpenFeatureAPI api = OpenFeatureAPI.getInstance();
  private final List<String> domains = new ArrayList<>();
  /** The decompressed bodies received, and the Authorization header of each. */
  private final List<String> bodies = new CopyOnWriteArrayList<>();
  private final List<String> authorizations = new CopyOnWriteArrayList<>();
  private HttpServer server;

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/api/v1/events", ex -> {
      try (ex) {
        byte[] raw = ex.getRequestBody().readAllBytes();
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(raw))) {
          String body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
          bodies.add(body);
          authorizations.add(ex.getRequestHeaders().getFirst("Authorization"));
          int n = body.split("\"id\":").length - 1;
          byte[] ack = ("{\"accepted\":" + n + ",\"duplicates\":0,\"rejected\":[]}").getBytes(StandardCharsets.UTF_8);
          ex.sendResponseHeaders(200, ack.length);
          ex.getResponseBody().write(ack);
        }
      }
    });
    server.start();
  }

  @AfterEach
  void stop() {
    for (String d : domains) {
      api.setProviderAndWait(d, new NoOpProvider());
    }
    server.stop(0);
  }

  private String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  private Client bind(AssayProvider provider) {
    String domain = "assay-tracking-" + DOMAINS.incrementAndGet();
    domains.add(domain);
    api.setProviderAndWait(domain, provider);
    return api.getClient(domain);
  }

  @Test
  void track_overExperimentClient_sentByTheGivenLogger() {
    try (EventLogger events = EventLogger.builder(url(), "srv-key").flushInterval(Duration.ofHours(1)).build()) {
      Client client = bind(AssayProvider.builder()
          .experimentClient(ExperimentClient.builder().payload(AssayProviderTest.examplePayload()).build())
          .eventLogger(events)
          .build());

      client.track("purchase", new ImmutableContext("buyer-1"),
          new MutableTrackingEventDetails(9.99).add("currency", "EUR"));
      client.track("page-view", new ImmutableContext("buyer-2"));
      client.track("anonymous", new ImmutableContext());

      assertThat(events.flush(Duration.ofSeconds(20))).isTrue();
      assertThat(events.stats().delivered()).isEqualTo(2);
      assertThat(events.stats().droppedInvalid()).as("no targeting key, no unit id").isEqualTo(1);
    }
    assertThat(bodies).hasSize(1);
    String body = bodies.get(0);
    assertThat(authorizations.get(0)).isEqualTo("Bearer srv-key");
    assertThat(body).contains("\"type\":\"metric\"", "\"name\":\"purchase\"", "\"unitId\":\"buyer-1\"",
        "\"value\":9.99", "\"properties\":{\"currency\":\"EUR\"}", "\"name\":\"page-view\"", "\"unitId\":\"buyer-2\"");
    assertThat(body).doesNotContain("anonymous");
  }

  @Test
  void track_overAssayClientWithLogEvents_sendsTrackAndExposures() {
    AssayClient assay = AssayClient.builder(url(), "sdk-client-key")
        .sync(false)
        .bootstrap(AssayProviderTest.examplePayload())
        .logEvents(e -> e.flushInterval(Duration.ofHours(1)))
        .build();
    Client client = bind(AssayProvider.builder().assayClient(assay).ownsClient(true).build());

    for (int i = 0; i < 3; i++) {
      client.getStringValue("button-colour", "none", new ImmutableContext("user-7"));
    }
    client.track("checkout", new ImmutableContext("user-7"), new MutableTrackingEventDetails(42));
    assay.close(); // flushes

    assertThat(bodies).hasSize(1);
    String body = bodies.get(0);
    assertThat(authorizations.get(0)).isEqualTo("Bearer sdk-client-key");
    assertThat(body.split("\"type\":\"exposure\"", -1)).as("one exposure for three evaluations").hasSize(2);
    assertThat(body).contains("\"experimentKey\":\"button-colour-test\"", "\"unitId\":\"user-7\"",
        "\"name\":\"checkout\"", "\"value\":42");
  }
}
