package dev.assay.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code assay events ...}: the project's incoming events. */
@Command(name = "events", mixinStandardHelpOptions = true, description = "Watch the events the server receives.",
    subcommands = EventsCommand.Tail.class)
final class EventsCommand {

  /**
   * {@code assay events tail}: polls {@code GET /api/v1/events/summary} (the same summary the web
   * UI's events page refreshes) and prints each event it has not printed yet, oldest first, until
   * interrupted or {@code --count} events were printed. Events are ordered by their own timestamp,
   * so an event stamped before the window ({@code --since}) is not shown; at most {@code --limit}
   * events per poll are seen.
   */
  @Command(name = "tail", mixinStandardHelpOptions = true,
      description = {"Print the project's events as they arrive, one line each, until Ctrl-C.",
          "Polls the events summary; shows the events of the last --since first."},
      footer = {"", "Examples:", "  assay events tail --project demo",
          "  assay events tail --type exposure --since 1h", "  assay events tail --output json | jq .unitId"})
  static final class Tail extends RemoteCommand {
    enum Type { exposure, metric }

    private static final int SEEN = 100_000;

    @Option(names = "--type", paramLabel = "TYPE", description = "Only exposure or metric events.")
    Type type;

    @Option(names = "--since", paramLabel = "DURATION", defaultValue = "5m",
        description = "Also show events stamped this long before the start, e.g. 30s, 5m, 1h, 1d."
            + " Default: ${DEFAULT-VALUE}.")
    String since;

    @Option(names = "--interval", paramLabel = "DURATION", defaultValue = "2s",
        description = "Time between polls (500ms, 2s, ...). Default: ${DEFAULT-VALUE}.")
    String interval;

    @Option(names = "--count", paramLabel = "N", defaultValue = "0",
        description = "Stop after N events (0: run until interrupted).")
    int count;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "200",
        description = "Newest events read per poll, 1 to 1000. Default: ${DEFAULT-VALUE}.")
    int limit;

    @Override
    public Integer call() throws InterruptedException {
      Duration back = duration("--since", since);
      Duration every = duration("--interval", interval);
      if (every.isZero()) {
        throw new CliInputException("--interval: must be positive, was '" + interval + "'");
      }
      if (count < 0) {
        throw new CliInputException("--count: must be 0 or more, was " + count);
      }
      if (limit < 1 || limit > 1000) {
        throw new CliInputException("--limit: must be 1 to 1000, was " + limit);
      }
      long from = System.currentTimeMillis() - back.toMillis();
      LinkedHashSet<String> seen = new LinkedHashSet<>();
      int printed = 0;
      while (true) {
        long to = System.currentTimeMillis() + Duration.ofDays(1).toMillis();
        JsonNode summary = client().get("/events/summary?from=" + from + "&to=" + to + "&limit=" + limit);
        List<JsonNode> fresh = new ArrayList<>();
        for (JsonNode e : summary.path("latest")) {
          if (seen.add(e.path("id").asText()) && (type == null || type.name().equals(e.path("type").asText()))) {
            fresh.add(e);
          }
        }
        while (seen.size() > SEEN) {
          seen.remove(seen.iterator().next());
        }
        for (int i = fresh.size() - 1; i >= 0; i--) {
          print(fresh.get(i));
          if (++printed == count) {
            return 0;
          }
        }
        Thread.sleep(every.toMillis());
      }
    }

    private void print(JsonNode e) {
      if (remote.json()) {
        out().println(e.toString());
      } else {
        StringBuilder line = new StringBuilder(e.path("timestamp").asText()).append("  ");
        if ("exposure".equals(e.path("type").asText())) {
          line.append("exposure  ").append(e.path("experimentKey").asText()).append(" variation ")
              .append(e.path("variationId").asText());
        } else {
          line.append("metric    ").append(e.path("name").asText());
          if (e.hasNonNull("value")) {
            line.append(" = ").append(e.get("value").asText());
          }
        }
        line.append("  unit ").append(e.path("unitId").asText());
        if (e.hasNonNull("environment")) {
          line.append("  env ").append(e.get("environment").asText());
        }
        JsonNode extra = e.has("attributes") ? e.get("attributes") : e.path("properties");
        if (extra.isObject() && !extra.isEmpty()) {
          line.append("  ").append(extra);
        }
        out().println(line);
      }
      out().flush();
    }

    private static final Map<Character, Duration> UNITS = Map.of('s', Duration.ofSeconds(1),
        'm', Duration.ofMinutes(1), 'h', Duration.ofHours(1), 'd', Duration.ofDays(1));

    /** {@code 30s}, {@code 5m}, {@code 1h}, {@code 2d}, or ISO-8601 ({@code PT5M}). */
    static Duration duration(String option, String text) {
      String t = text.strip();
      try {
        if (t.length() > 2 && t.endsWith("ms") && Character.isDigit(t.charAt(t.length() - 3))) {
          long n = Long.parseLong(t.substring(0, t.length() - 2));
          if (n >= 0) {
            return Duration.ofMillis(n);
          }
        } else if (t.length() > 1 && UNITS.containsKey(t.charAt(t.length() - 1))) {
          long n = Long.parseLong(t.substring(0, t.length() - 1));
          if (n >= 0 && n <= 36_500L * 86_400) {
            return UNITS.get(t.charAt(t.length() - 1)).multipliedBy(n);
          }
        } else {
          Duration d = Duration.parse(t);
          if (!d.isNegative()) {
            return d;
          }
        }
      } catch (NumberFormatException | java.time.format.DateTimeParseException e) {
        // reported below
      }
      throw new CliInputException(option + ": '" + text + "' is not a duration such as 500ms, 30s, 5m, 1h or 1d");
    }

  }
}
