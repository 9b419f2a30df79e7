package dev.assay.server.analysis;

import java.time.Duration;
import java.util.Locale;

/**
 * What one server lets analysis take: the memory of the analysis database (DuckDB
 * {@code memory_limit}), its worker threads, the time of one query, and how many refreshes run at
 * once overall and per project (beyond those, a refresh answers 429 with {@code Retry-After}).
 *
 * @param memory a DuckDB memory size such as {@code 256MB} or {@code 1GiB}
 * @param threads DuckDB worker threads (at least 1)
 * @param queryTimeout limit of one warehouse query (whole seconds, at least one)
 * @param concurrent refreshes running at once on this server (at least 1)
 * @param perProject refreshes running at once in one project (1 to {@code concurrent})
 */
public record AnalysisLimits(String memory, int threads, Duration queryTimeout, int concurrent, int perProject) {
  /** Default memory: a quarter of a 1 GiB heap's worth, outside the heap. */
  public static final String DEFAULT_MEMORY = "256MB";

  public AnalysisLimits {
    memory = memory(memory);
    if (threads < 1) {
      throw new IllegalArgumentException("analysis threads must be at least 1, was " + threads);
    }
    if (queryTimeout.toSeconds() < 1) {
      throw new IllegalArgumentException("the query timeout must be at least 1 s, was " + queryTimeout);
    }
    if (concurrent < 1 || perProject < 1 || perProject > concurrent) {
      throw new IllegalArgumentException("concurrent refreshes must be at least 1 and per project 1 to " + concurrent
          + ", were " + concurrent + " and " + perProject);
    }
  }

  /** 256MB, half the cores (at least one), the given timeout, two refreshes at once and one per project. */
  public static AnalysisLimits defaults(Duration queryTimeout) {
    return new AnalysisLimits(DEFAULT_MEMORY, Math.max(1, Runtime.getRuntime().availableProcessors() / 2),
        queryTimeout, 2, 1);
  }

  public AnalysisLimits withMemory(String size) {
    return new AnalysisLimits(size, threads, queryTimeout, concurrent, perProject);
  }

  public AnalysisLimits withQueryTimeout(Duration timeout) {
    return new AnalysisLimits(memory, threads, timeout, concurrent, perProject);
  }

  public AnalysisLimits withConcurrency(int overall, int project) {
    return new AnalysisLimits(memory, threads, queryTimeout, overall, project);
  }

  /** Checks a memory size (digits, optional fraction, a unit KB/MB/GB/TB or KiB/MiB/GiB/TiB), at least 16 MB. */
  public static String memory(String size) {
    String s = size.strip();
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d{1,7}(?:\\.\\d{1,3})?)\\s*([KMGT])(i?)B")
        .matcher(s.toUpperCase(Locale.ROOT).replace("IB", "iB"));
    if (!m.matches()) {
      throw new IllegalArgumentException("analysis memory must be a size such as 256MB or 1GiB, was '" + size + "'");
    }
    double bytes = Double.parseDouble(m.group(1)) * Math.pow(m.group(3).isEmpty() ? 1000 : 1024,
        "KMGT".indexOf(m.group(2)) + 1);
    if (bytes < 16e6) {
      throw new IllegalArgumentException("analysis memory must be at least 16MB, was '" + size + "'");
    }
    return m.group(1) + m.group(2) + m.group(3) + "B";
  }
}
