package dev.assay.server.ui;

import dev.assay.server.auth.Permission;
import dev.assay.server.domain.DomainException;
import dev.assay.server.events.Flags;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The events page: that instrumentation works, live. Over a chosen window it shows the counts by
 * event name and by experiment and variation, the newest events, and what matches no metric or no
 * experiment, the events flagged and excluded from analysis by reason and name, and the schema
 * violations (the same summary and the same matching as {@code GET /api/v1/events/summary}). The
 * live part is a fragment that HTMX fetches again every 2 seconds.
 */
public final class EventsPage implements UiRoutes.Area {
  /** The windows offered, by their value in the query. */
  static final Map<String, Duration> WINDOWS = windows();
  static final int LATEST = 25;
  private final UiContext ui;

  EventsPage(UiContext ui) {
    this.ui = ui;
  }

  private static Map<String, Duration> windows() {
    Map<String, Duration> m = new LinkedHashMap<>();
    m.put("5m", Duration.ofMinutes(5));
    m.put("1h", Duration.ofHours(1));
    m.put("24h", Duration.ofHours(24));
    m.put("7d", Duration.ofDays(7));
    m.put("30d", Duration.ofDays(30));
    return m;
  }

  /** The live fragment's model ({@code events/live.jte}). */
  public record Live(String window, String project, UiAdminModel.EventsLive data) {
    public String liveUrl() {
      return "/ui/events/live?window=" + window + "&project=" + Http.encode(project);
    }

    public String time(long millis) {
      return Instant.ofEpochMilli(millis).toString();
    }

    /** A flag reason (ADR 0042) in words; an unknown code as it is. */
    public String reason(String code) {
      return switch (code) {
        case Flags.UNKNOWN_EXPERIMENT -> "unknown experiment";
        case Flags.UNKNOWN_VARIATION -> "unknown variation";
        case Flags.EXPERIMENT_STOPPED -> "after the experiment stopped";
        case Flags.CLOCK_SKEW_PAST -> "clock skew (too far in the past)";
        case Flags.CLOCK_SKEW_FUTURE -> "clock skew (in the future)";
        case Flags.BOT_USER_AGENT -> "bot (user agent)";
        case Flags.BOT_RATE -> "bot (event rate)";
        default -> code;
      };
    }
  }

  /** The page's model ({@code events/index.jte}). */
  public record View(Shell shell, List<String> windows, Live live) {}

  @Override
  public List<String> navIds() {
    return List.of("events");
  }

  @Override
  public void register(Pages pages) {
    pages.get("/ui/events", Permission.READ, c -> {
      View view = new View(c.shell("Events", "events"), List.copyOf(WINDOWS.keySet()), live(c));
      return UiResponse.ok(ui.views().render("events/index.jte", view));
    });
    pages.get("/ui/events/live", Permission.READ, c -> UiResponse.ok(ui.views().render("events/live.jte", live(c))));
  }

  private Live live(UiCall c) {
    String window = c.query().get("window").isEmpty() ? "1h" : c.query().get("window");
    Duration d = WINDOWS.get(window);
    if (d == null) {
      throw DomainException.invalid("window", "must be one of " + WINDOWS.keySet() + ", was '" + window + "'");
    }
    return new Live(window, c.project(), ui.admin().events(c.project(), d, LATEST));
  }
}
