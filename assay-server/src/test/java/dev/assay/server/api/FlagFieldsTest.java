package dev.assay.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The descriptive flag fields of ARCHITECTURE §5: owner, tags and lifecycle (active, stale, archived). */
class FlagFieldsTest {
  private final TestServer t = new TestServer();

  @AfterEach
  void stop() {
    t.close();
  }

  @Test
  void flag_ownerTagsLifecycle_roundTripAndDefault() {
    JsonNode created = t.admin("POST", "/api/v1/flags", """
        {"key":"f","type":"boolean","defaultValue":false,"owner":"growth-team","tags":["checkout","q4"]}""").json();
    assertThat(created.path("lifecycle").asText()).as("default lifecycle").isEqualTo("active");
    assertThat(created.path("owner").asText()).isEqualTo("growth-team");
    assertThat(created.path("tags").toString()).isEqualTo("[\"checkout\",\"q4\"]");
    TestServer.Response stale = t.admin("PUT", "/api/v1/flags/f", """
        {"version":1,"type":"boolean","defaultValue":false,"owner":"growth-team","tags":["checkout"],"lifecycle":"stale"}""");
    assertThat(stale.status()).as(stale.body()).isEqualTo(200);
    assertThat(t.admin("GET", "/api/v1/flags/f", null).json().path("lifecycle").asText()).isEqualTo("stale");
    TestServer.Response archived = t.admin("PUT", "/api/v1/flags/f", """
        {"version":2,"type":"boolean","defaultValue":false,"lifecycle":"archived"}""");
    assertThat(archived.json().path("lifecycle").asText()).isEqualTo("archived");
  }

  @Test
  void flag_badOwnerTagsLifecycle_namesTheField() {
    expect("\"lifecycle\":\"retired\"", "lifecycle");
    expect("\"lifecycle\":3", "lifecycle");
    expect("\"tags\":\"a\"", "tags");
    expect("\"tags\":[\"ok\",\"" + "x".repeat(65) + "\"]", "tags[1]");
    expect("\"tags\":[" + "\"t\",".repeat(50) + "\"t\"]", "tags");
    expect("\"owner\":\"" + "o".repeat(201) + "\"", "owner");
    assertThat(t.admin("GET", "/api/v1/flags/g", null).status()).as("nothing stored").isEqualTo(404);
  }

  private void expect(String field, String name) {
    TestServer.Response r = t.admin("POST", "/api/v1/flags",
        "{\"key\":\"g\",\"type\":\"boolean\",\"defaultValue\":false," + field + "}");
    assertThat(r.status()).as(r.body()).isEqualTo(400);
    assertThat(r.json().path("error").path("details").get(0).path("field").asText()).as(r.body()).isEqualTo(name);
  }
}
