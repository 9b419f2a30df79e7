package dev.assay.cli;

import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code assay completion bash|zsh}: prints the shell completion script (picocli's AutoComplete). */
@Command(name = "completion", mixinStandardHelpOptions = true,
    description = {"Print a bash or zsh completion script for every command and option.",
        "zsh runs the bash script through bashcompinit (the script sets that up itself)."},
    footer = {"", "Examples:", "  source <(assay completion bash)          # this shell",
        "  assay completion bash > ~/.local/share/bash-completion/completions/assay",
        "  echo 'source <(assay completion zsh)' >> ~/.zshrc"})
final class CompletionCommand implements Callable<Integer> {
  enum Shell { bash, zsh }

  @Spec CommandSpec spec;

  @Parameters(paramLabel = "SHELL", description = "bash or zsh.")
  Shell shell;

  @Override
  public Integer call() {
    String script = AutoComplete.bash("assay", spec.root().commandLine());
    spec.commandLine().getOut().print(script);
    spec.commandLine().getOut().flush();
    return 0;
  }
}
