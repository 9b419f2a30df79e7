package dev.assay.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;

/**
 * Every shell example of README.md and docs/ (but performance.md, whose commands are benchmark
 * runs of minutes) runs against a real
 * {@code assay serve --demo}, so the docs cannot drift from what the server does.
 *
 * <p>The convention, stated at the top of each document: examples talk to {@code localhost:8080}
 * with the admin token in {@code $ASSAY_ADMIN_TOKEN}. Here the fenced {@code bash} blocks of one
 * document run in order in one {@code bash} session (variables carry over), with
 * {@code localhost:8080} replaced by the test server's address, {@code ASSAY_ADMIN_TOKEN} set to
 * its admin token, the repository root as working directory and {@code ./assay} running the CLI
 * jar built by assay-cli. A block fails when a command exits non-zero, when a request answers
 * 4xx/5xx without the doc showing that error, or when an expected output ({@code # {...}}, see
 * {@link DocExamples}) does not match what the command printed. Blocks marked
 * <code>```bash no-run</code> are not run and are counted in the report.
 */
class DocsExamplesE2ETest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  private static ServeProcess server;

  @BeforeAll
  static void start() throws Exception {
    for (String tool : List.of("bash", "curl", "jq")) {
      Process p = new ProcessBuilder(tool, "--version").redirectErrorStream(true).start();
      p.getInputStream().readAllBytes();
      assertThat(p.waitFor()).as("the docs' examples need " + tool + " on the PATH").isZero();
    }
    server = new ServeProcess();
  }

  @AfterAll
  static void stop() throws Exception {
    if (server != null) {
      server.close();
    }
  }

  /* Documents whose shell examples run against the demo server. */
  private static final List<String> RUN = List.of("README.md", "docs/api.md", "docs/guide.md", "docs/payloads.md",
      "docs/statistics.md", "docs/sdks.md");
  /* Documents whose shell blocks are not run here (benchmark and crash-test runs of minutes, the CLI against
   * a user's own server, safety.md's breakers that need a stream of signals, run by BreakersApiTest, the
   * warehouse of a user's own tables, run by CustomerWarehouseTest): each block is marked no-run. */
  private static final List<String> COMMANDS_ONLY = List.of("docs/performance.md", "docs/security.md", "docs/architecture.md",
      "docs/cli.md", "docs/as-code.md", "docs/safety.md", "docs/operations.md", "docs/privacy.md",
      "docs/warehouses.md");

  static List<String> runDocuments() {
    return RUN;
  }

  @org.junit.jupiter.api.Test
  void everyDocumentWithShellBlocks_isRunOrMarkedNoRun() throws Exception {
    List<Path> docs = new ArrayList<>(List.of(ROOT.resolve("README.md")));
    try (var files = Files.list(ROOT.resolve("docs"))) {
      files.filter(f -> f.toString().endsWith(".md")).forEach(docs::add);
    }
    for (Path d : docs) {
      String name = ROOT.relativize(d).toString().replace('\\', '/');
      if (Files.readString(d).contains("```bash")) {
        assertThat(RUN.contains(name) || COMMANDS_ONLY.contains(name))
            .as(name + " has shell blocks: add it to RUN, or to COMMANDS_ONLY with every block marked no-run").isTrue();
      }
    }
    for (String name : COMMANDS_ONLY) {
      DocExamples doc = DocExamples.parse(name, Files.readString(ROOT.resolve(name)));
      assertThat(doc.runCount()).as(name + ": a block not marked no-run would go unchecked").isZero();
    }
  }

  @ParameterizedTest(name = "{0}")
  @org.junit.jupiter.params.provider.MethodSource("runDocuments")
  void everyShellExample_runsAsDocumented(String document) throws Exception {
    DocExamples doc = DocExamples.parse(document, Files.readString(ROOT.resolve(document)));
    List<DocExamples.Expectation> expectations = new ArrayList<>();
    String script = script(doc, expectations);
    String transcript = run(script);
    List<String> failures = new Transcript(doc, expectations).check(transcript);
    System.out.printf("%s: %d shell blocks run, %d marked no-run%n", document, doc.runCount(), doc.noRunCount());
    assertThat(failures).as(document + " examples; transcript:\n" + transcript).isEmpty();
    assertThat(doc.runCount()).as(document + " has shell examples that run").isPositive();
  }

  private static String script(DocExamples doc, List<DocExamples.Expectation> expectations) {
    String jar = ROOT.resolve("assay-cli/target/assay.jar").toString();
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    StringBuilder s = new StringBuilder("""
        exec 3>&1 2>&1
        set -o pipefail
        export ASSAY_ADMIN_TOKEN='%s'
        trap 'rc=$?; printf "\\n@@fail exit %%s: %%s\\n" "$rc" "$BASH_COMMAND" >&3' ERR
        curl() {
          local h rc; h=$(mktemp)
          command curl -sS --max-time 30 -D "$h" "$@"; rc=$?
          printf '\\n@@status %%s\\n' "$(grep -a '^HTTP/' "$h" | tail -1 | cut -d' ' -f2)" >&3
          rm -f "$h"; return $rc
        }
        function ./assay { '%s' --enable-native-access=ALL-UNNAMED -jar '%s' "$@"; }
        function assay { ./assay "$@"; }
        """.formatted(ServeProcess.ADMIN_TOKEN, java, jar));
    for (int i = 0; i < doc.blocks().size(); i++) {
      DocExamples.Block b = doc.blocks().get(i);
      if (!b.run()) {
        continue;
      }
      s.append("printf '\\n@@block %d\\n' >&3\n".formatted(i));
      for (String line : DocExamples.instrument(b, expectations, k -> "printf '\\n@@expect %d\\n' >&3".formatted(k))) {
        s.append(line.replace("localhost:8080", "127.0.0.1:" + server.port)).append('\n');
      }
      s.append("printf '\\n@@end %d\\n' >&3\n".formatted(i));
    }
    return s.toString();
  }

  private static String run(String script) throws IOException, InterruptedException {
    Path file = Files.createTempFile("assay-docs-", ".sh");
    Files.writeString(file, script);
    Process p = new ProcessBuilder("bash", "--noprofile", "--norc", file.toString())
        .directory(ROOT.toFile()).redirectErrorStream(true).start();
    p.getOutputStream().close();
    StringBuilder out = new StringBuilder();
    Thread reader = new Thread(() -> {
      try {
        out.append(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
      } catch (IOException ignored) {
        // the process was killed
      }
    }, "docs-examples-output");
    reader.start();
    if (!p.waitFor(90, TimeUnit.SECONDS)) {
      p.destroyForcibly();
    }
    reader.join(10_000);
    Files.deleteIfExists(file);
    return out.toString();
  }

  /** Reads the marked transcript of one session back into per-block, per-expectation verdicts. */
  private static final class Transcript {
    private final DocExamples doc;
    private final List<DocExamples.Expectation> expectations;
    private final List<String> failures = new ArrayList<>();
    private final List<String[]> responses = new ArrayList<>();
    private StringBuilder text = new StringBuilder();
    private int block = -1;

    Transcript(DocExamples doc, List<DocExamples.Expectation> expectations) {
      this.doc = doc;
      this.expectations = expectations;
    }

    List<String> check(String transcript) {
      List<Integer> ended = new ArrayList<>();
      for (String line : transcript.split("\n")) {
        if (line.startsWith("@@block ")) {
          block = Integer.parseInt(line.substring(8).strip());
          reset();
        } else if (line.startsWith("@@status ")) {
          responses.add(new String[] {text.toString(), line.substring(9).strip()});
          text = new StringBuilder();
        } else if (line.startsWith("@@expect ")) {
          expect(expectations.get(Integer.parseInt(line.substring(9).strip())));
        } else if (line.startsWith("@@fail ")) {
          fail("a command failed (" + line.substring(7) + ")");
        } else if (line.startsWith("@@end ")) {
          unexpectedErrors(responses);
          ended.add(block);
        } else {
          text.append(line).append('\n');
        }
      }
      for (int i = 0; i < doc.blocks().size(); i++) {
        if (doc.blocks().get(i).run() && !ended.contains(i)) {
          failures.add(where(i) + "did not finish (a shell syntax error, or the session timed out)");
        }
      }
      return failures;
    }

    private void expect(DocExamples.Expectation e) {
      JsonFragment want = JsonFragment.parse(e.json());
      String actual;
      String status = null;
      if (!text.toString().isBlank() || responses.isEmpty()) {
        actual = text.toString();
        unexpectedErrors(responses);
      } else {
        String[] last = responses.remove(responses.size() - 1);
        unexpectedErrors(responses);
        actual = last[0];
        status = last[1];
      }
      String at = doc.document() + ":" + e.line() + ": ";
      if (status != null) {
        boolean ok = e.status() != 0 ? status.equals(String.valueOf(e.status()))
            : want.isError() ? status.startsWith("4") : status.startsWith("2");
        if (!ok) {
          failures.add(at + "status " + status + " but the doc shows " + (e.status() != 0 ? e.status() : want.isError()
              ? "an error" : "success") + ": " + actual.strip());
        }
      }
      List<String> mismatches = matchAny(want, actual);
      if (!mismatches.isEmpty()) {
        failures.add(at + "output differs from the doc: " + mismatches + "\n    printed: " + actual.strip());
      }
      reset();
    }

    /*
     * The output since the previous expectation may hold text of earlier commands, then one or
     * more JSON values (NDJSON): the JSON starts at the first line opening with { or [ from which
     * the rest parses, and the expectation holds when one of its values matches.
     */
    private static List<String> matchAny(JsonFragment want, String actual) {
      List<String> lines = actual.lines().toList();
      for (int i = 0; i < lines.size(); i++) {
        if (lines.get(i).startsWith("{") || lines.get(i).startsWith("[")) {
          List<JsonNode> values = values(String.join("\n", lines.subList(i, lines.size())));
          if (!values.isEmpty()) {
            List<String> last = List.of();
            for (JsonNode v : values) {
              last = want.mismatches(v);
              if (last.isEmpty()) {
                return last;
              }
            }
            return last;
          }
        }
      }
      return List.of("no JSON in the output");
    }

    private static List<JsonNode> values(String text) {
      List<JsonNode> out = new ArrayList<>();
      try (MappingIterator<JsonNode> it = JSON.readerFor(JsonNode.class).readValues(text)) {
        while (it.hasNext()) {
          out.add(it.next());
        }
        return out;
      } catch (IOException | RuntimeException e) {
        return List.of();
      }
    }

    private void unexpectedErrors(List<String[]> seen) {
      for (String[] r : seen) {
        if (!r[1].startsWith("2") && !r[1].startsWith("3")) {
          fail("a request answered " + (r[1].isEmpty() ? "nothing" : r[1]) + " and the doc shows no error: " + r[0].strip());
        }
      }
      seen.clear();
    }

    private void fail(String why) {
      failures.add(where(block) + why);
    }

    private String where(int i) {
      return doc.document() + ":" + doc.blocks().get(i).line() + ": block ";
    }

    private void reset() {
      responses.clear();
      text = new StringBuilder();
    }
  }
}
