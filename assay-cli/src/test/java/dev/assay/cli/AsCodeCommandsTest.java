package dev.assay.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code plan}, {@code apply} and {@code export} against a real server's as-code endpoints, with
 * the repository's {@code examples/as-code/} directory: CI exit codes, terraform-like output,
 * field diffs, prune, the new-phase rule, and an export that re-applies with no change.
 */
class AsCodeCommandsTest {
  static final Path EXAMPLES = Path.of("..", "examples", "as-code");
  static RemoteServer server;
  static CliContext admin;

  @BeforeAll
  static void start(@TempDir Path data, @TempDir Path home) throws Exception {
    server = new RemoteServer(data);
    admin = server.admin(home);
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void planApplyTwice_exitCodes_thenUpdateWithFieldDiff_andPrune(@TempDir Path tmp) throws Exception {
    Path dir = copyExamples(tmp, "shop1");
    server.api("POST", "/projects", "{\"key\":\"shop1\",\"name\":\"Shop 1\"}");

    CliRun plan = CliRun.in(admin, "plan", "-f", dir.toString(), "--project", "shop1");
    CliRun apply = CliRun.in(admin, "apply", "-f", dir.toString(), "--project", "shop1");
    CliRun again = CliRun.in(admin, "plan", "-f", dir.toString(), "--project", "shop1");
    CliRun verbose = CliRun.in(admin, "plan", "-f", dir.toString(), "--project", "shop1", "--verbose");
    CliRun reapply = CliRun.in(admin, "apply", "-f", dir.toString(), "--project", "shop1");

    assertThat(plan.exitCode()).as(plan.err()).isEqualTo(PlanCommand.EXIT_CHANGES);
    assertThat(plan.out()).contains("+ create experiment checkout-progress-bar   (checkout-progress-bar.yaml)")
        .contains("+ create metric checkout_completion_rate   (metrics.yaml)")
        .contains("+ create segment all_logged_in")
        .contains("Plan for project shop1: 7 to create, 0 to update, 0 to delete, 0 unchanged.");
    assertThat(apply.exitCode()).as(apply.err()).isZero();
    assertThat(apply.out()).contains("+ created experiment checkout-progress-bar")
        .contains("Applied to project shop1: 7 created, 0 updated, 0 deleted, 0 unchanged.");
    assertThat(server.api("GET", "/experiments/checkout-progress-bar?project=shop1", null).path("owner").asText())
        .isEqualTo("payments-team");
    assertThat(again.exitCode()).as(again.out() + again.err()).isZero();
    assertThat(again.out()).contains("= 7 unchanged").contains("No changes in project shop1")
        .doesNotContain("+ ").doesNotContain("~ ");
    assertThat(verbose.out()).contains("= unchanged metric p99_page_load_ms");
    assertThat(reapply.exitCode()).isZero();
    assertThat(reapply.out()).contains("0 created, 0 updated, 0 deleted, 7 unchanged");

    Path file = dir.resolve("checkout-progress-bar.yaml");
    Files.writeString(file, Files.readString(file).replaceFirst("allocation: 50%", "allocation: 40%")
        .replaceFirst("allocation: 50%", "allocation: 60%"));
    server.api("POST", "/metrics?project=shop1", "{\"key\":\"stray\",\"type\":\"count\",\"event\":\"stray\"}");
    CliRun update = CliRun.in(admin, "plan", "-f", dir.toString(), "--project", "shop1");
    CliRun prune = CliRun.in(admin, "plan", "-f", dir.toString(), "--project", "shop1", "--prune");
    CliRun json = CliRun.in(admin, "plan", "-f", dir.toString(), "--project", "shop1", "--output", "json");

    assertThat(update.exitCode()).isEqualTo(2);
    assertThat(update.out()).contains("~ update experiment checkout-progress-bar")
        .containsPattern("\n    variants\\[0\\]\\.allocation: 50% -> 40%")
        .containsPattern("\n    variants\\[1\\]\\.allocation: 50% -> 60%")
        .doesNotContain("delete metric stray");
    assertThat(prune.out()).contains("- delete metric stray").contains("1 to delete");
    assertThat(RemoteServer.JSON.readTree(json.out()).path("summary").path("update").asInt()).isEqualTo(1);
  }

  @Test
  void runningExperiment_variantChangeNeedsNewPhase(@TempDir Path tmp) throws Exception {
    Path dir = copyExamples(tmp, "shop2");
    server.api("POST", "/projects", "{\"key\":\"shop2\",\"name\":\"Shop 2\"}");
    assertThat(CliRun.in(admin, "apply", "-f", dir.toString(), "--project", "shop2").exitCode()).isZero();
    assertThat(CliRun.in(admin, "experiments", "start", "checkout-progress-bar", "--project", "shop2").exitCode()).isZero();
    Path file = dir.resolve("checkout-progress-bar.yaml");
    Files.writeString(file, Files.readString(file).replaceFirst("allocation: 50%", "allocation: 30%")
        .replaceFirst("allocation: 50%", "allocation: 70%"));

    CliRun refused = CliRun.in(admin, "apply", "-f", dir.toString(), "--project", "shop2");
    CliRun newPhase = CliRun.in(admin, "apply", "-f", dir.toString(), "--project", "shop2", "--new-phase");

    assertThat(refused.exitCode()).isEqualTo(1);
    assertThat(refused.err()).contains("422 new_phase_required").contains("pass --new-phase");
    assertThat(newPhase.exitCode()).as(newPhase.err()).isZero();
    assertThat(newPhase.out()).contains("~ updated experiment checkout-progress-bar");
    assertThat(server.api("GET", "/experiments/checkout-progress-bar?project=shop2", null).path("phases").size())
        .isEqualTo(2);
  }

  @Test
  void export_reappliesWithNoChange_andKeepsChangedFilesUnlessForced(@TempDir Path tmp) throws Exception {
    Path dir = copyExamples(tmp, "shop3");
    server.api("POST", "/projects", "{\"key\":\"shop3\",\"name\":\"Shop 3\"}");
    assertThat(CliRun.in(admin, "apply", "-f", dir.toString(), "--project", "shop3").exitCode()).isZero();
    Path out = tmp.resolve("exported/nested");

    CliRun export = CliRun.in(admin, "export", "-o", out.toString(), "--project", "shop3");
    CliRun plan = CliRun.in(admin, "plan", "-f", out.toString(), "--project", "shop3");
    CliRun twice = CliRun.in(admin, "export", "-o", out.toString(), "--project", "shop3");

    assertThat(export.exitCode()).as(export.err()).isZero();
    assertThat(export.out()).contains("wrote ").contains("experiments").contains("8 written, 0 unchanged");
    assertThat(plan.exitCode()).as(plan.out()).isZero();
    assertThat(plan.out()).contains("= 8 unchanged");
    assertThat(twice.out()).contains("0 written, 8 unchanged");

    Path edited;
    try (Stream<Path> files = Files.walk(out)) {
      edited = files.filter(p -> p.toString().endsWith(".yaml")).findFirst().orElseThrow();
    }
    Files.writeString(edited, "# edited by hand\n" + Files.readString(edited));
    CliRun refused = CliRun.in(admin, "export", "-o", out.toString(), "--project", "shop3");
    String kept = Files.readString(edited);
    CliRun forced = CliRun.in(admin, "export", "-o", out.toString(), "--project", "shop3", "--force");

    assertThat(refused.exitCode()).isEqualTo(1);
    assertThat(refused.err()).contains("not overwriting 1 changed file").contains("--force")
        .contains(out.relativize(edited).toString());
    assertThat(kept).startsWith("# edited by hand");
    assertThat(forced.exitCode()).isZero();
    assertThat(forced.out()).contains("1 written, 7 unchanged");
    assertThat(Files.readString(edited)).doesNotContain("# edited by hand");
  }

  @Test
  void plan_errorsExit1_badFileMissingDirAndUsage(@TempDir Path tmp) throws Exception {
    Path bad = Files.writeString(tmp.resolve("broken.yaml"), "kind: metric\nkey: x\ntype: [unclosed\n");

    Path twoProblems = Files.writeString(tmp.resolve("two.yaml"),
        "kind: metric\nkey: a\ntype: nonsense\nevent: e\n---\nkind: metric\nkey: b\ntype: mean\nevent: e\ncolour: red\n");
    CliRun invalid = CliRun.in(admin, "plan", "-f", bad.toString());
    CliRun details = CliRun.in(admin, "plan", "-f", twoProblems.toString());
    CliRun missing = CliRun.in(admin, "plan", "-f", tmp.resolve("absent").toString());
    CliRun usage = CliRun.in(admin, "plan", "-f", bad.toString(), "--prnue");
    CliRun empty = CliRun.in(admin, "apply", "-f", Files.createDirectory(tmp.resolve("empty")).toString());

    assertThat(invalid.exitCode()).isEqualTo(1);
    assertThat(invalid.err()).contains("400").contains("broken.yaml");
    assertThat(details.exitCode()).isEqualTo(1);
    assertThat(details.err()).as("the second problem is a field detail line").contains("400 validation_failed: ")
        .containsPattern("\n  two\\.yaml#2[^\n]*: [^\n]*colour");
    assertThat(missing.exitCode()).isEqualTo(1);
    assertThat(missing.err()).contains("-f: no such file or directory");
    assertThat(usage.exitCode()).isEqualTo(1);
    assertThat(usage.err()).contains("--prnue");
    assertThat(empty.exitCode()).isEqualTo(1);
    assertThat(empty.err()).contains("no *.yaml, *.yml or *.json files");
  }

  @Test
  void eventSchema_planShowsTheVersion_breakingChangeExits1NamingTheField_exportWritesIt(@TempDir Path tmp)
      throws Exception {
    server.api("POST", "/projects", "{\"key\":\"shop4\",\"name\":\"Shop 4\"}");
    Path dir = Files.createDirectories(tmp.resolve("schemas"));
    Path file = dir.resolve("purchase.yaml");
    String v1 = "kind: event_schema\nname: purchase\nproperties:\n  plan: {type: string, allowed: [free, pro]}\n";
    Files.writeString(file, v1);
    assertThat(CliRun.in(admin, "apply", "-f", dir.toString(), "--project", "shop4").exitCode()).isZero();

    Files.writeString(file, v1 + "  coupon: {type: string}\n");
    CliRun compatible = CliRun.in(admin, "plan", "-f", dir.toString(), "--project", "shop4");
    Files.writeString(file, v1.replace("[free, pro]", "[free]"));
    CliRun breaking = CliRun.in(admin, "apply", "-f", dir.toString(), "--project", "shop4");
    Files.writeString(file, v1.replace("[free, pro]", "[free]") + "version: 2\n");
    CliRun declared = CliRun.in(admin, "apply", "-f", dir.toString(), "--project", "shop4");
    CliRun export = CliRun.in(admin, "export", "-o", tmp.resolve("out").toString(), "--project", "shop4");

    assertThat(compatible.exitCode()).as(compatible.err()).isEqualTo(PlanCommand.EXIT_CHANGES);
    assertThat(compatible.out()).contains("~ update event_schema purchase   (purchase.yaml)   [compatible change")
        .contains("\n    version: 1 -> 2\n").contains("\n    properties.coupon: (none) -> {\"type\":\"string\"}");
    assertThat(breaking.exitCode()).isEqualTo(1);
    assertThat(breaking.err()).contains("400 validation_failed").contains("purchase.yaml:properties.plan.allowed")
        .contains("no longer allows [pro]").contains("version: 2");
    assertThat(declared.exitCode()).as(declared.err()).isZero();
    assertThat(declared.out()).contains("~ updated event_schema purchase   (purchase.yaml)   [breaking change");
    assertThat(server.api("GET", "/event-schemas/purchase?project=shop4", null).path("version").asInt()).isEqualTo(2);
    assertThat(export.exitCode()).as(export.err()).isZero();
    assertThat(Files.readString(tmp.resolve("out/event_schemas/purchase.yaml")))
        .isEqualTo("kind: event_schema\nname: purchase\nproperties:\n  plan:\n    type: string\n    allowed:\n    - free\n");
  }

  private static Path copyExamples(Path tmp, String name) throws IOException {
    Path dir = Files.createDirectories(tmp.resolve(name));
    try (Stream<Path> files = Files.list(EXAMPLES)) {
      for (Path f : files.toList()) {
        Files.copy(f, dir.resolve(f.getFileName()));
      }
    }
    Files.createDirectories(dir.resolve(".git"));
    Files.writeString(dir.resolve(".git/config.yaml"), "not: a resource\n");
    Files.writeString(dir.resolve("README.md"), "not sent\n");
    return dir;
  }
}
