package dev.muster.cli;

import dev.muster.examples.echocounter.EchoCounterExample;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code muster example NAME}: runs one of the example programs of {@code examples/} in this JVM. */
@Command(name = "example", mixinStandardHelpOptions = true, description = "Run an example program in this JVM.",
        subcommands = {ExampleCommand.EchoCounter.class})
final class ExampleCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "echo-counter", mixinStandardHelpOptions = true, description = "Services on a 3-node cluster on"
            + " loopback: echo on every node, a counter on one; resolve, round-robin calls, a broadcast, a watch.")
    static final class EchoCounter implements Callable<Integer> {
        @Override
        public Integer call() throws Exception {
            EchoCounterExample.run(System.out);
            return 0;
        }
    }
}
