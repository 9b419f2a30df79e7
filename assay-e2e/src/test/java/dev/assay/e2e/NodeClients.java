package dev.assay.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The JavaScript clients of {@code src/test/js} (real npm packages at the versions of its
 * {@code package-lock.json}), installed with {@code npm ci} into {@code target/js-clients} once per
 * test JVM, and their Node processes: each prints one JSON object per line, read here.
 */
final class NodeClients {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path SOURCE = Path.of("src", "test", "js").toAbsolutePath();
  /** Where the scripts and node_modules live (never in the source tree). */
  static final Path DIR = Path.of("target", "js-clients").toAbsolutePath();
  private static boolean installed;

  private NodeClients() {
  }

  /** Copies the scripts and runs {@code npm ci} (once per JVM); fails clearly when Node is missing. */
  static synchronized Path install() throws IOException, InterruptedException {
    if (installed) {
      return DIR;
    }
    for (String tool : List.of("node", "npm")) {
      if (!onPath(tool)) {
        throw new IllegalStateException(tool + " is not installed: the JavaScript client tests need Node.js 18+ and npm"
            + " (Debian: apt-get install nodejs npm; .ci/run installs them)");
      }
    }
    Process version = new ProcessBuilder("node", "--version").redirectErrorStream(true).start();
    String v = new String(version.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    version.waitFor(30, TimeUnit.SECONDS);
    if (!v.matches("v(1[89]|[2-9][0-9])\\..*")) {
      throw new IllegalStateException("node " + v + " is too old: the JavaScript client tests need Node.js 18+");
    }
    copy(SOURCE, DIR);
    Process npm = new ProcessBuilder("npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error")
        .directory(DIR.toFile()).redirectErrorStream(true).start();
    String out = new String(npm.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!npm.waitFor(10, TimeUnit.MINUTES) || npm.exitValue() != 0) {
      throw new IllegalStateException("npm ci in " + DIR + " failed:\n" + out);
    }
    installed = true;
    return DIR;
  }

  private static boolean onPath(String tool) {
    String path = System.getenv().getOrDefault("PATH", "");
    return Stream.of(path.split(java.io.File.pathSeparator)).anyMatch(d -> Files.isExecutable(Path.of(d, tool)));
  }

  private static void copy(Path from, Path to) throws IOException {
    try (Stream<Path> files = Files.walk(from)) {
      for (Path f : files.filter(p -> !p.toString().contains("node_modules")).toList()) {
        Path target = to.resolve(from.relativize(f).toString());
        if (Files.isDirectory(f)) {
          Files.createDirectories(target);
        } else {
          Files.copy(f, target, StandardCopyOption.REPLACE_EXISTING);
        }
      }
    }
  }

  /** Starts {@code node script} in {@link #DIR} with these environment variables. */
  static Run start(String script, Map<String, String> env) throws IOException, InterruptedException {
    install();
    ProcessBuilder pb = new ProcessBuilder("node", script).directory(DIR.toFile());
    pb.environment().putAll(env);
    pb.redirectError(DIR.resolve(script + ".stderr.log").toFile());
    return new Run(script, pb.start());
  }

  /** A running Node program: its JSON lines as they come, and its stdin. */
  static final class Run implements AutoCloseable {
    private final String script;
    private final Process process;
    private final BlockingQueue<JsonNode> lines = new LinkedBlockingQueue<>();
    private final StringBuffer transcript = new StringBuffer();

    private Run(String script, Process process) {
      this.script = script;
      this.process = process;
      Thread reader = new Thread(() -> {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
          String line;
          while ((line = r.readLine()) != null) {
            transcript.append(line).append('\n');
            try {
              lines.add(JSON.readTree(line));
            } catch (IOException e) {
              // not JSON (a library's console output): kept in the transcript only
            }
          }
        } catch (IOException ignored) {
          // the process ended
        }
      }, "node-" + script);
      reader.setDaemon(true);
      reader.start();
    }

    /** The next line whose {@code event} is {@code event} (earlier lines are skipped). */
    JsonNode await(String event, Duration timeout) throws InterruptedException {
      long deadline = System.nanoTime() + timeout.toNanos();
      while (true) {
        long left = deadline - System.nanoTime();
        JsonNode line = left > 0 ? lines.poll(Math.min(left, 200_000_000L), TimeUnit.NANOSECONDS) : null;
        if (line != null && event.equals(line.path("event").asText())) {
          return line;
        }
        if (line == null && (left <= 0 || (!process.isAlive() && lines.isEmpty()))) {
          throw new AssertionError("node " + script + " did not report '" + event + "' (" + (process.isAlive()
              ? "still running" : "exited " + process.exitValue()) + "). Output:\n" + transcript + "stderr:\n" + stderr());
        }
      }
    }

    /** Every line printed so far. */
    String transcript() {
      return transcript.toString();
    }

    void send(String command) throws IOException {
      OutputStream in = process.getOutputStream();
      in.write((command + "\n").getBytes(StandardCharsets.UTF_8));
      in.flush();
    }

    /** Waits for the process to end by itself; returns its exit code. */
    int waitFor(Duration timeout) throws InterruptedException {
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new AssertionError("node " + script + " still runs after " + timeout + ". Output:\n" + transcript);
      }
      return process.exitValue();
    }

    String stderr() {
      try {
        Path log = DIR.resolve(script + ".stderr.log");
        return Files.isRegularFile(log) ? Files.readString(log) : "";
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    @Override
    public void close() throws InterruptedException {
      process.destroy();
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    }
  }
}
