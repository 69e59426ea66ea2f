package dev.muster.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code muster} command. Each subcommand is one class in this package.
 */
@Command(name = "muster",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Muster: form, inspect and break clusters of JVM nodes.",
        subcommands = {StartCommand.class, StatusCommand.class, StopCommand.class, NodeCommand.class, NodesCommand.class,
                LeaderCommand.class, EventsCommand.class,
                RestartCommand.class, LogsCommand.class, CleanCommand.class, AgentsCommand.class, BalanceCommand.class,
                StatsCommand.class, ServicesCommand.class, CallCommand.class, InjectCommand.class, ContentCommand.class, ChaosCommand.class,
                WordCountCommand.class, ServeCommand.class, BenchCommand.class,
                SimCommand.class, ScenarioCommand.class, CompletionCommand.class, HostCommand.class, ExampleCommand.class,
                CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns the exit code. */
    static int run(String... args) {
        return commandLine().execute(args);
    }

    /**
     * The configured command line: a bad option or value prints one line naming it and a
     * pointer to --help (not the whole usage), and exits 2; so does an invalid setting. A node
     * that cannot start or join prints why and exits 1.
     */
    static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new Main());
        cli.setParameterExceptionHandler((ex, args) -> {
            CommandLine cmd = ex.getCommandLine();
            cmd.getErr().println(cmd.getColorScheme().errorText("muster: " + ex.getMessage()));
            cmd.getErr().println("Try '" + cmd.getCommandSpec().qualifiedName() + " --help' for more information.");
            return 2;
        });
        cli.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            int code = failureExitCode(ex);
            if (code < 0) {
                throw ex;
            }
            cmd.getErr().println(cmd.getColorScheme().errorText("muster: " + ex.getMessage()));
            return code;
        });
        return cli;
    }

    /**
     * The exit code of a command that failed with {@code ex}, whose message is then the one line to
     * print: 2 for an invalid setting, 1 for a node that cannot start or join; -1 for anything
     * else (a bug: its stack trace is shown).
     */
    static int failureExitCode(Exception ex) {
        if (ex instanceof IllegalArgumentException) {
            return 2;
        }
        if (ex instanceof dev.muster.ClusterException || ex instanceof IllegalStateException
                || ex instanceof java.io.UncheckedIOException) {
            return 1;
        }
        return -1;
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"muster " + (v == null ? "dev" : v) + " (Java " + Runtime.version() + ")"};
        }
    }
}
