package dev.assay.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import dev.assay.server.AssayServer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The web UI's sign-in, sessions, CSRF, roles and assets, on a real server with a real HTTP client. */
class WebUiTest {
  static final String TOKEN = "ui-test-admin-token-0123456789";
  static final String ADMIN_PASSWORD = "correct horse battery";
  static Path data;
  static AssayServer server;
  static final HttpClient API = HttpClient.newHttpClient();

  @BeforeAll
  static void start() throws IOException {
    data = Files.createTempDirectory("assay-ui-test-");
    server = AssayServer.builder().port(0).host("127.0.0.1").dataDir(data).adminToken(TOKEN)
        .adminPassword(ADMIN_PASSWORD).start();
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  static HttpResponse<String> api(String method, String path, String json) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/api/v1" + path))
        .header("Authorization", "Bearer " + TOKEN);
    if (json != null) {
      b.header("Content-Type", "application/json");
    }
    return API.send(b.method(method, json == null ? HttpRequest.BodyPublishers.noBody()
        : HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void root_redirectsToSignIn_withSecurityHeaders() {
    UiClient c = new UiClient(server.port());
    HttpResponse<String> root = c.get("/");
    assertThat(root.statusCode()).isEqualTo(303);
    HttpResponse<String> flags = c.get(root.headers().firstValue("location").orElseThrow());
    assertThat(flags.statusCode()).isEqualTo(303);
    assertThat(flags.headers().firstValue("location").orElseThrow()).startsWith("/ui/login?next=");
    HttpResponse<String> login = c.get("/ui/login");
    assertThat(login.statusCode()).isEqualTo(200);
    assertThat(login.headers().firstValue("content-security-policy").orElseThrow())
        .contains("default-src 'self'", "script-src 'self'", "frame-ancestors 'none'").doesNotContain("unsafe-inline");
    assertThat(login.headers().firstValue("x-frame-options")).contains("DENY");
    assertThat(login.headers().firstValue("x-content-type-options")).contains("nosniff");
    assertThat(login.headers().firstValue("referrer-policy")).isPresent();
    assertThat(login.body()).contains("<label for=\"user\">", "<label for=\"password\">").doesNotContain("<script>");
  }

  @Test
  void signIn_withThePassword_setsAStrictHttpOnlyCookie_andOpensPages() {
    UiClient c = new UiClient(server.port());
    HttpResponse<String> r = c.signIn("admin", ADMIN_PASSWORD);
    assertThat(r.statusCode()).isEqualTo(303);
    String cookie = r.headers().allValues("set-cookie").stream().filter(s -> s.startsWith("assay_session="))
        .findFirst().orElseThrow();
    assertThat(cookie).contains("HttpOnly", "SameSite=Strict", "Path=/").doesNotContain("Secure");
    assertThat(cookie.split(";")[0].substring("assay_session=".length())).hasSizeGreaterThanOrEqualTo(43);
    HttpResponse<String> page = c.get("/ui/project");
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.body()).contains("admin", "(admin)", "New SDK connection", "production");
  }

  @Test
  void signIn_withAWrongPassword_isRefused_andNamesNoReason() {
    UiClient c = new UiClient(server.port());
    HttpResponse<String> r = c.signIn("admin", "wrong password!!");
    assertThat(r.statusCode()).isEqualTo(401);
    assertThat(r.body()).contains("Unknown user or wrong password");
    assertThat(c.cookies).doesNotContainKey("assay_session");
    assertThat(new UiClient(server.port()).signIn("nobody", "whatever-password").statusCode()).isEqualTo(401);
  }

  @Test
  void signIn_withoutTheFormToken_isRefused() {
    UiClient c = new UiClient(server.port());
    HttpResponse<String> r = c.post("/ui/login", Map.of("user", "admin", "password", ADMIN_PASSWORD));
    assertThat(r.statusCode()).isEqualTo(403);
    assertThat(c.cookies).doesNotContainKey("assay_session");
  }

  @Test
  void post_withoutOrWithAWrongCsrfToken_isRefused_andWithItSucceeds() throws Exception {
    UiClient c = new UiClient(server.port());
    c.signIn("admin", ADMIN_PASSWORD);
    String before = api("GET", "/sdk-connections", null).body();
    HttpResponse<String> none = c.post("/ui/project/sdk-connections", Map.of("environment", "production", "name", "x"));
    assertThat(none.statusCode()).isEqualTo(403);
    assertThat(none.body()).contains("CSRF");
    HttpResponse<String> wrong = c.post("/ui/project/sdk-connections",
        Map.of("_csrf", "0".repeat(64), "environment", "production", "name", "x"));
    assertThat(wrong.statusCode()).isEqualTo(403);
    assertThat(api("GET", "/sdk-connections", null).body()).isEqualTo(before);
    String csrf = UiClient.csrfIn(c.get("/ui/project").body());
    HttpResponse<String> ok = c.post("/ui/project/sdk-connections",
        Map.of("_csrf", csrf, "environment", "production", "name", "from the ui"));
    assertThat(ok.statusCode()).isEqualTo(303);
    assertThat(api("GET", "/sdk-connections", null).body()).contains("from the ui");
  }

  @Test
  void formError_isShownNextToItsField_withTheApisMessage() {
    UiClient c = new UiClient(server.port());
    c.signIn("admin", ADMIN_PASSWORD);
    String csrf = UiClient.csrfIn(c.get("/ui/project").body());
    HttpResponse<String> r = c.post("/ui/project/sdk-connections",
        Map.of("_csrf", csrf, "environment", "no-such-env", "name", "x"));
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.body()).containsPattern("id=\"conn-environment-error\">[^<]*no-such-env");
    assertThat(r.body()).contains("aria-invalid=\"true\"");
  }

  @Test
  void viewer_seesNoEditForm_andAForgedPostIsRefused() throws Exception {
    assertThat(api("POST", "/users", "{\"key\":\"vera\",\"name\":\"Vera\",\"role\":\"viewer\"}").statusCode())
        .isEqualTo(201);
    assertThat(api("PUT", "/users/vera/password", "{\"password\":\"viewer password 1\"}").statusCode()).isEqualTo(204);
    UiClient c = new UiClient(server.port());
    assertThat(c.signIn("vera", "viewer password 1").statusCode()).isEqualTo(303);
    HttpResponse<String> page = c.get("/ui/project");
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.body()).contains("(viewer)").doesNotContain("New SDK connection");
    String csrf = Logins_csrf(c);
    HttpResponse<String> forged = c.post("/ui/project/sdk-connections",
        Map.of("_csrf", csrf, "environment", "production", "name", "forged"));
    assertThat(forged.statusCode()).isEqualTo(403);
    assertThat(forged.body()).contains("viewer");
    assertThat(api("GET", "/sdk-connections", null).body()).doesNotContain("forged");
  }

  /* The viewer's valid token, read from the sign-out form every page has. */
  private static String Logins_csrf(UiClient c) {
    return UiClient.csrfIn(c.get("/ui/flags").body());
  }

  @Test
  void passwordApi_validatesLength_namesTheField_andNeverReturnsIt() throws Exception {
    api("POST", "/users", "{\"key\":\"pat\",\"role\":\"analyst\"}");
    HttpResponse<String> shortOne = api("PUT", "/users/pat/password", "{\"password\":\"short\"}");
    assertThat(shortOne.statusCode()).isEqualTo(400);
    assertThat(shortOne.body()).contains("\"field\":\"password\"", "at least 12");
    assertThat(api("PUT", "/users/nobody/password", "{\"password\":\"long enough pw\"}").statusCode()).isEqualTo(404);
    assertThat(api("PUT", "/users/pat/password", "{\"password\":\"long enough pw\"}").statusCode()).isEqualTo(204);
    assertThat(api("GET", "/users/pat", null).body()).doesNotContain("password", "pbkdf2");
    assertThat(api("GET", "/audit?kind=USER&key=pat", null).body()).contains("set_password").doesNotContain("pbkdf2");
  }

  @Test
  void tooManyFailures_areRefusedWith429_evenWithTheRightPassword() throws Exception {
    api("POST", "/users", "{\"key\":\"rita\",\"role\":\"viewer\"}");
    api("PUT", "/users/rita/password", "{\"password\":\"rita's password\"}");
    UiClient c = new UiClient(server.port());
    for (int i = 0; i < 5; i++) {
      assertThat(c.signIn("rita", "not it " + i + "!!!!!!").statusCode()).isEqualTo(401);
    }
    HttpResponse<String> limited = c.signIn("rita", "rita's password");
    assertThat(limited.statusCode()).isEqualTo(429);
    assertThat(limited.headers().firstValue("retry-after")).isPresent();
    assertThat(limited.body()).contains("Too many failed sign-ins");
    assertThat(c.cookies).doesNotContainKey("assay_session");
  }

  @Test
  void signOut_endsTheSession() {
    UiClient c = new UiClient(server.port());
    c.signIn("admin", ADMIN_PASSWORD);
    String session = c.cookies.get("assay_session");
    String csrf = UiClient.csrfIn(c.get("/ui/flags").body());
    assertThat(c.post("/ui/logout", Map.of("_csrf", csrf)).statusCode()).isEqualTo(303);
    UiClient replay = new UiClient(server.port());
    replay.cookies.put("assay_session", session);
    assertThat(replay.get("/ui/project").statusCode()).isEqualTo(303);
  }

  @Test
  void assets_haveContentHashedUrls_immutableCaching_andGzip() throws Exception {
    String page = new UiClient(server.port()).get("/ui/login").body();
    Matcher m = Pattern.compile("src=\"(/ui/assets/htmx\\.min-[0-9a-f]{12}\\.js)\"").matcher(page);
    assertThat(m.find()).isTrue();
    HttpResponse<byte[]> r = API.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + m.group(1)))
        .header("Accept-Encoding", "gzip").build(), HttpResponse.BodyHandlers.ofByteArray());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("cache-control")).contains("public, max-age=31536000, immutable");
    assertThat(r.headers().firstValue("content-encoding")).contains("gzip");
    String js = new String(new GZIPInputStream(new java.io.ByteArrayInputStream(r.body())).readAllBytes(),
        java.nio.charset.StandardCharsets.UTF_8);
    assertThat(js).contains("htmx");
    assertThat(r.body().length).isLessThan(js.length() / 2);
    assertThat(new UiClient(server.port()).get("/ui/assets/htmx.min-000000000000.js").statusCode()).isEqualTo(404);
  }

  @Test
  void session_survivesARestart() throws Exception {
    Path dir = Files.createTempDirectory("assay-ui-restart-");
    String session;
    try (AssayServer first = AssayServer.builder().port(0).host("127.0.0.1").dataDir(dir).adminToken(TOKEN)
        .adminPassword(ADMIN_PASSWORD).start()) {
      UiClient c = new UiClient(first.port());
      c.signIn("admin", ADMIN_PASSWORD);
      session = c.cookies.get("assay_session");
    }
    try (AssayServer second = AssayServer.builder().port(0).host("127.0.0.1").dataDir(dir).adminToken(TOKEN)
        .adminPassword(ADMIN_PASSWORD).start()) {
      UiClient c = new UiClient(second.port());
      c.cookies.put("assay_session", session);
      assertThat(c.get("/ui/project").statusCode()).isEqualTo(200);
    }
  }
}
