package dev.assay.e2e;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The shell examples of a Markdown document: every fenced block whose info string starts with
 * {@code bash}, {@code sh} or {@code shell}. A block whose info string also carries the word
 * {@code no-run} (<code>```bash no-run</code>) is documentation only; every other block is run.
 *
 * <p>Inside a block, a comment line starting with <code># {</code> (or <code># 4xx {</code>,
 * <code># [</code>) is the expected output of the command before it; it continues over the
 * following comment lines until its brackets balance, and text after the JSON (such as
 * {@code <- shown once}) is ignored. {@link JsonFragment} says how it is compared.
 */
record DocExamples(String document, List<Block> blocks) {
  private static final Set<String> SHELL = Set.of("bash", "sh", "shell");

  /** One fenced shell block: its first line number (1-based), whether it runs, and its lines. */
  record Block(int line, boolean run, List<String> lines) {
    Block {
      lines = List.copyOf(lines);
    }
  }

  DocExamples {
    blocks = List.copyOf(blocks);
  }

  static DocExamples parse(String document, String markdown) {
    List<Block> blocks = new ArrayList<>();
    String[] lines = markdown.split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      String fence = lines[i].strip();
      if (!fence.startsWith("```")) {
        continue;
      }
      String[] info = fence.substring(3).strip().toLowerCase(Locale.ROOT).split("\\s+");
      int start = i;
      List<String> body = new ArrayList<>();
      for (i++; i < lines.length && !lines[i].strip().equals("```"); i++) {
        body.add(lines[i]);
      }
      if (i == lines.length) {
        throw new IllegalStateException(document + ":" + (start + 1) + ": code block is never closed");
      }
      if (SHELL.contains(info[0])) {
        blocks.add(new Block(start + 1, !List.of(info).contains("no-run"), body));
      }
    }
    return new DocExamples(document, blocks);
  }

  long runCount() {
    return blocks.stream().filter(Block::run).count();
  }

  long noRunCount() {
    return blocks.size() - runCount();
  }

  /** An expected output: an optional status class (e.g. 409, or 0 for "any 2xx") and the JSON. */
  record Expectation(int line, int status, String json) {}

  /**
   * The block's lines with each expected-output comment replaced by a call of {@code marker}
   * (given its index in the returned list of expectations).
   */
  static List<String> instrument(Block block, List<Expectation> expectations, java.util.function.IntFunction<String> marker) {
    List<String> out = new ArrayList<>();
    List<String> lines = block.lines();
    for (int i = 0; i < lines.size(); i++) {
      String l = lines.get(i).strip();
      if (!isExpectation(l)) {
        out.add(lines.get(i));
        continue;
      }
      int first = i;
      StringBuilder json = new StringBuilder();
      String text = l.substring(1).strip();
      int status = 0;
      if (Character.isDigit(text.charAt(0))) {
        status = Integer.parseInt(text.substring(0, 3));
        text = text.substring(3).strip();
      }
      json.append(text);
      while (JsonFragment.balancedEnd(json) < 0 && i + 1 < lines.size() && lines.get(i + 1).strip().startsWith("#")) {
        i++;
        json.append(' ').append(lines.get(i).strip().substring(1).strip());
      }
      int end = JsonFragment.balancedEnd(json);
      if (end < 0) {
        throw new IllegalStateException("line " + (block.line() + 1 + first) + ": expected output never closes: " + json);
      }
      expectations.add(new Expectation(block.line() + 1 + first, status, json.substring(0, end + 1)));
      out.add(marker.apply(expectations.size() - 1));
    }
    return out;
  }

  private static boolean isExpectation(String line) {
    return line.matches("#\\s*(\\d{3}\\s+)?[\\[{].*");
  }
}
