package dev.assay.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * A command that talks to a server: the connection options ({@link RemoteOptions}), the client
 * they resolve to, and the two ways to print an answer (a table, or the server's JSON).
 */
abstract class RemoteCommand implements Callable<Integer> {
  @Mixin RemoteOptions remote;

  @Spec CommandSpec spec;

  private ApiClient client;

  /** The client, resolved once per run. */
  final ApiClient client() {
    if (client == null) {
      client = remote.client();
    }
    return client;
  }

  final PrintWriter out() {
    return spec.commandLine().getOut();
  }

  final PrintWriter err() {
    return spec.commandLine().getErr();
  }

  /** Prints the server's JSON, indented. */
  final void printJson(JsonNode node) {
    try {
      out().println(JsonFiles.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(node));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
    out().flush();
  }
}
