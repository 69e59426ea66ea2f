package dev.muster.cli;

import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code muster completion}: prints a bash/zsh completion script for every command and option. */
@Command(name = "completion", mixinStandardHelpOptions = true,
        description = "Print a bash (and zsh) completion script: source <(bin/muster completion)")
final class CompletionCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        System.out.print(AutoComplete.bash("muster", spec.root().commandLine()));
        return 0;
    }
}
