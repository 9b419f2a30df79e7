package dev.assay.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayInputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The connection of the remote commands, against a real server: login and its private config
 * file, the precedence flag > environment > config file, and the messages for a refused key, an
 * unreachable server, server errors and missing settings.
 */
class RemoteConnectionTest {
  static RemoteServer server;

  @BeforeAll
  static void start(@TempDir Path data) {
    server = new RemoteServer(data);
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void login_writesPrivateConfig_laterCommandsUseIt_logoutForgets(@TempDir Path home) throws Exception {
    CliContext ctx = RemoteServer.context(home, Map.of());

    CliRun login = CliRun.in(ctx, "login", "--server", server.url() + "/", "--token", RemoteServer.TOKEN,
        "--project", "demo");
    Path file = home.resolve("assay/config.json");

    assertThat(login.exitCode()).as(login.err()).isZero();
    assertThat(login.out()).contains("logged in to " + server.url()).contains(file.toString())
        .doesNotContain(RemoteServer.TOKEN);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent()))).isEqualTo("rwx------");
    JsonNode stored = RemoteServer.JSON.readTree(file.toFile());
    assertThat(stored.path("server").asText()).isEqualTo(server.url());
    assertThat(stored.path("token").asText()).isEqualTo(RemoteServer.TOKEN);
    assertThat(home.resolve("assay").toFile().list()).containsExactly("config.json");

    CliRun flags = CliRun.in(ctx, "flags", "list");
    assertThat(flags.exitCode()).as(flags.err()).isZero();
    assertThat(flags.out()).contains("new-header");

    CliRun logout = CliRun.in(ctx, "logout");
    CliRun after = CliRun.in(ctx, "flags", "list");
    assertThat(logout.exitCode()).isZero();
    assertThat(Files.exists(file)).isFalse();
    assertThat(after.exitCode()).isEqualTo(2);
    assertThat(after.err()).contains("no server given").contains("assay login");
  }

  @Test
  void login_tokenFromStdin_whenNoTerminal(@TempDir Path home) {
    CliContext ctx = new CliContext(Map.of("XDG_CONFIG_HOME", home.toString()),
        new ByteArrayInputStream((RemoteServer.TOKEN + "\n").getBytes(StandardCharsets.UTF_8)), Optional.empty());

    CliRun login = CliRun.in(ctx, "login", "--server", server.url());
    CliRun metrics = CliRun.in(ctx, "metrics", "list", "--project", "demo");

    assertThat(login.exitCode()).as(login.err()).isZero();
    assertThat(metrics.exitCode()).as(metrics.err()).isZero();
    assertThat(metrics.out()).contains("purchase").contains("proportion");
  }

  @Test
  void login_wrongToken_isRefusedAndWritesNothing(@TempDir Path home) {
    CliContext ctx = RemoteServer.context(home, Map.of());

    CliRun login = CliRun.in(ctx, "login", "--server", server.url(), "--token", "assay_not-a-real-key-123456");

    assertThat(login.exitCode()).isEqualTo(1);
    assertThat(login.err()).contains("401").contains("API key").doesNotContain("assay_not-a-real-key");
    assertThat(Files.exists(home.resolve("assay/config.json"))).isFalse();
  }

  @Test
  void precedence_flagOverEnvironmentOverConfigFile(@TempDir Path home) throws Exception {
    int closed = closedPort();
    String dead = "http://127.0.0.1:" + closed;
    // the config file: the real server with a wrong token
    new LoginConfig(server.url(), "assay_file-token-wrong-000000", Optional.of("demo"))
        .write(home.resolve("assay/config.json"));
    CliContext fileOnly = RemoteServer.context(home, Map.of());
    CliContext envToken = RemoteServer.context(home, Map.of("ASSAY_TOKEN", RemoteServer.TOKEN));
    CliContext envDeadServer = RemoteServer.context(home, Map.of("ASSAY_TOKEN", RemoteServer.TOKEN, "ASSAY_SERVER", dead));

    CliRun fromFile = CliRun.in(fileOnly, "flags", "list");
    CliRun envOverFile = CliRun.in(envToken, "flags", "list");
    CliRun envServer = CliRun.in(envDeadServer, "flags", "list");
    CliRun flagOverEnv = CliRun.in(envDeadServer, "flags", "list", "--server", server.url());
    CliRun flagProject = CliRun.in(envToken, "flags", "list", "--project", "default", "--output", "json");

    assertThat(fromFile.exitCode()).isEqualTo(1);
    assertThat(fromFile.err()).contains("401").contains("check --token, ASSAY_TOKEN").doesNotContain("file-token-wrong");
    assertThat(envOverFile.exitCode()).as(envOverFile.err()).isZero();
    assertThat(envOverFile.out()).as("project from the config file").contains("new-header");
    assertThat(envServer.exitCode()).isEqualTo(1);
    assertThat(envServer.err()).contains("cannot connect to " + dead).contains("connection refused");
    assertThat(flagOverEnv.exitCode()).as(flagOverEnv.err()).isZero();
    assertThat(flagProject.exitCode()).as(flagProject.err()).isZero();
    assertThat(RemoteServer.JSON.readTree(flagProject.out()).path("items").toString()).doesNotContain("new-header");
  }

  @Test
  void serverErrors_showCodeMessageAndFields_exit1(@TempDir Path home) {
    CliContext ctx = server.admin(home);

    CliRun missing = CliRun.in(ctx, "experiments", "get", "no-such-experiment", "--project", "demo");
    CliRun illegal = CliRun.in(ctx, "experiments", "start", "checkout-button", "--project", "demo");
    CliRun scoped = CliRun.in(ctx, "flags", "list", "--project", "no-such-project");

    assertThat(missing.exitCode()).isEqualTo(1);
    assertThat(missing.err()).startsWith("assay experiments get: 404 not_found: ").contains("no-such-experiment")
        .doesNotContain("Exception");
    assertThat(illegal.exitCode()).isEqualTo(1);
    assertThat(illegal.err()).contains("409 illegal_transition").contains("allowed: [pause, stop]");
    assertThat(scoped.exitCode()).isEqualTo(1);
    assertThat(scoped.err()).contains("no-such-project");
  }

  @Test
  void badSettings_areUsageErrorsNamingTheSource(@TempDir Path home) {
    CliRun url = CliRun.in(RemoteServer.context(home, Map.of("ASSAY_TOKEN", "x")), "flags", "list", "--server", "localhost:8080");
    CliRun envUrl = CliRun.in(RemoteServer.context(home, Map.of("ASSAY_TOKEN", "x", "ASSAY_SERVER", "ftp://h")), "flags", "list");
    CliRun noToken = CliRun.in(RemoteServer.context(home, Map.of("ASSAY_SERVER", server.url())), "flags", "list");
    CliRun output = CliRun.in(server.admin(home), "flags", "list", "--output", "yaml");

    assertThat(url.exitCode()).isEqualTo(2);
    assertThat(url.err()).contains("--server").contains("http or https");
    assertThat(envUrl.exitCode()).isEqualTo(2);
    assertThat(envUrl.err()).contains("ASSAY_SERVER").contains("ftp://h");
    assertThat(noToken.exitCode()).isEqualTo(2);
    assertThat(noToken.err()).contains("no API key given");
    assertThat(output.exitCode()).isEqualTo(2);
    assertThat(output.err()).contains("--output").contains("table, json");
  }

  @Test
  void completion_bashAndZsh_listTheCommands() {
    CliRun bash = CliRun.of("completion", "bash");
    CliRun zsh = CliRun.of("completion", "zsh");
    CliRun fish = CliRun.of("completion", "fish");

    assertThat(bash.exitCode()).isZero();
    assertThat(bash.out()).contains("complete -F").contains("login").contains("experiments").contains("results")
        .contains("conclude").contains("plan").contains("apply").contains("export").contains("--decision");
    assertThat(zsh.out()).contains("bashcompinit");
    assertThat(fish.exitCode()).isEqualTo(2);
    assertThat(fish.err()).contains("bash, zsh");
  }

  private static int closedPort() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
