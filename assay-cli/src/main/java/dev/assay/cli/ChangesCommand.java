package dev.assay.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code assay changes list|show|open|approve|reject|withdraw}: change requests awaiting four-eyes
 * approval (docs/safety.md, "Approvals").
 */
@Command(name = "changes", mixinStandardHelpOptions = true,
    description = "Change requests: list, show (with the diff), open from a file, approve, reject, withdraw.",
    subcommands = {ChangesCommand.ListCommand.class, ChangesCommand.ShowCommand.class,
        ChangesCommand.OpenCommand.class, ChangesCommand.ApproveCommand.class, ChangesCommand.RejectCommand.class,
        ChangesCommand.WithdrawCommand.class},
    footer = {"", "Examples:", "  assay changes list --status open",
        "  assay changes open --target flag --key checkout-button -f button.json --title 'green for all'",
        "  assay changes show 5b1c…", "  assay changes approve 5b1c… --comment 'looks right'"})
final class ChangesCommand {
  private static final List<ResourceViews.Column> COLUMNS = List.of(
      ResourceViews.Column.field("ID", "id"),
      ResourceViews.Column.field("TARGET", "target"),
      ResourceViews.Column.field("KEY", "key"),
      ResourceViews.Column.field("STATUS", "status"),
      new ResourceViews.Column("APPROVALS", r -> r.path("approvals").size() + "/" + r.path("required").asInt()),
      ResourceViews.Column.field("AUTHOR", "author"),
      ResourceViews.Column.field("TITLE", "title"));

  private ChangesCommand() {}

  @Command(name = "list", mixinStandardHelpOptions = true,
      description = "List the project's change requests, newest first.")
  static final class ListCommand extends RemoteCommand {
    @Option(names = "--status", paramLabel = "STATUS", description = "Only these: open, applied, rejected, stale, withdrawn.")
    String status;

    @Override
    public Integer call() {
      JsonNode answer = client().get("/change-requests" + (status == null ? "" : "?status=" + ApiClient.encode(status)));
      if (remote.json()) {
        printJson(answer);
        return 0;
      }
      if (answer.path("items").isEmpty()) {
        out().println("no change requests in project '" + client().project() + "'");
        out().flush();
        return 0;
      }
      TextTable table = new TextTable(COLUMNS.stream().map(ResourceViews.Column::header).toArray(String[]::new));
      answer.path("items").forEach(item -> table.row(COLUMNS.stream().map(c -> c.cell().apply(item))
          .toArray(String[]::new)));
      table.print(out());
      return 0;
    }
  }

  @Command(name = "show", mixinStandardHelpOptions = true, description = "Show one change request with its diff.")
  static final class ShowCommand extends RemoteCommand {
    @Parameters(paramLabel = "ID", description = "The change request's id.")
    String id;

    @Override
    public Integer call() {
      return print(this, client().get("/change-requests/" + ApiClient.encode(id)));
    }
  }

  @Command(name = "open", mixinStandardHelpOptions = true,
      description = "Open a change request with a flag's or experiment's new document read from a JSON file.")
  static final class OpenCommand extends RemoteCommand {
    @Option(names = "--target", required = true, paramLabel = "flag|experiment", description = "What it changes.")
    String target;

    @Option(names = "--key", required = true, paramLabel = "KEY", description = "The flag's or experiment's key.")
    String key;

    @Option(names = {"-f", "--file"}, required = true, paramLabel = "FILE", description = "The new document (JSON).")
    Path file;

    @Option(names = "--base-version", paramLabel = "N",
        description = "The version the document is based on (default: the current one; 0 to create).")
    Long baseVersion;

    @Option(names = "--title", paramLabel = "TEXT", description = "What the change is for.")
    String title;

    @Option(names = "--new-phase", description = "For a running experiment whose allocation changes.")
    boolean newPhase;

    @Override
    public Integer call() {
      JsonNode document = JsonFiles.read(file, "--file");
      long base = baseVersion != null ? baseVersion
          : client().get("/" + target + "s/" + ApiClient.encode(key)).path("version").asLong();
      ObjectNode body = JsonFiles.MAPPER.createObjectNode();
      body.put("target", target).put("key", key).put("baseVersion", base).put("newPhase", newPhase);
      if (title != null) {
        body.put("title", title);
      }
      body.set("document", document);
      return print(this, client().post("/change-requests", body));
    }
  }

  abstract static class Review extends RemoteCommand {
    @Parameters(paramLabel = "ID", description = "The change request's id.")
    String id;

    @Option(names = "--comment", paramLabel = "TEXT", description = "Why (kept with the review).")
    String comment;

    final int review(String action) {
      ObjectNode body = JsonFiles.MAPPER.createObjectNode();
      if (comment != null) {
        body.put("comment", comment);
      }
      return print(this, client().post("/change-requests/" + ApiClient.encode(id) + "/" + action, body));
    }
  }

  @Command(name = "approve", mixinStandardHelpOptions = true,
      description = "Approve a change request; the approval that reaches the policy's count applies it.")
  static final class ApproveCommand extends Review {
    @Override
    public Integer call() {
      return review("approve");
    }
  }

  @Command(name = "reject", mixinStandardHelpOptions = true, description = "Reject a change request.")
  static final class RejectCommand extends Review {
    @Override
    public Integer call() {
      return review("reject");
    }
  }

  @Command(name = "withdraw", mixinStandardHelpOptions = true, description = "Withdraw your change request.")
  static final class WithdrawCommand extends Review {
    @Override
    public Integer call() {
      return review("withdraw");
    }
  }

  private static int print(RemoteCommand c, JsonNode request) {
    if (c.remote.json()) {
      c.printJson(request);
      return 0;
    }
    ObjectNode shown = request.deepCopy();
    shown.remove(List.of("document", "changes"));
    TextTable.printEntity(c.out(), shown);
    c.out().println("changes:");
    for (JsonNode ch : request.path("changes")) {
      c.out().println("  " + ch.path("op").asText() + " " + ch.path("path").asText() + ": "
          + (ch.has("from") ? ch.get("from") : "-") + " -> " + (ch.has("to") ? ch.get("to") : "-"));
    }
    c.out().flush();
    return 0;
  }
}
