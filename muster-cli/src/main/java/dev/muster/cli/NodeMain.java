package dev.muster.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The main class of the node processes {@code muster start} spawns: {@code NodeMain serve
 * OPTIONS} runs {@link ServeCommand} as {@code muster serve OPTIONS} does, without building
 * picocli's model of every command first. That model is about half of a node's main-thread start
 * CPU, and picocli's classes (compiled for Java 5) cannot be kept in a class-data or AOT archive,
 * so every one of fifty node JVMs would load and verify them again (docs/benchmarks.md).
 *
 * <p>It reads the options a local cluster gives its nodes, each once, as {@code --opt VALUE} or
 * {@code --opt=VALUE}. Anything else (another option, a repeated one, a value that does not
 * parse, {@code --help}), and any first argument but {@code serve}, goes to {@link Main} as it is,
 * so a user sees exactly picocli's parsing and messages; the fast path never rejects what
 * {@code muster serve} would take. Failures of the node end as {@link Main} ends them: one line
 * on stderr and exit 2 for an invalid setting, 1 for a node that cannot start.
 */
public final class NodeMain {

    private NodeMain() {}

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the node (or {@link Main}, see the class comment) and returns the exit code. */
    static int run(String... args) {
        ServeCommand serve = parse(args);
        if (serve == null) {
            return Main.run(args);
        }
        try {
            return serve.call();
        } catch (Exception e) {
            int code = Main.failureExitCode(e);
            if (code < 0) {
                e.printStackTrace();
                return 1;
            }
            System.err.println("muster: " + e.getMessage());
            return code;
        }
    }

    /** The options of {@code args} as a {@link ServeCommand}, or null when only picocli may read them. */
    static ServeCommand parse(String... args) {
        if (args.length == 0 || !args[0].equals("serve")) {
            return null;
        }
        Map<String, String> given = new LinkedHashMap<>();
        Set<String> seen = new HashSet<>();
        for (int i = 1; i < args.length; i++) {
            String arg = args[i];
            String option = arg;
            String value = null;
            int eq = arg.indexOf('=');
            if (arg.startsWith("--") && eq > 0) {
                option = arg.substring(0, eq);
                value = arg.substring(eq + 1);
            }
            if (!seen.add(option)) {
                return null; // picocli says which option may be given once
            }
            if (FLAGS.contains(option)) {
                if (value != null) {
                    return null; // --faults=true and the like: picocli's rules
                }
                given.put(option, "true");
            } else if (VALUED.contains(option)) {
                if (value == null) {
                    if (i + 1 >= args.length || args[i + 1].startsWith("-") && !args[i + 1].matches("-[0-9]+")) {
                        return null; // a missing value, or one that may be an option: picocli decides
                    }
                    value = args[++i];
                }
                given.put(option, value);
            } else {
                return null;
            }
        }
        try {
            return serveCommand(given);
        } catch (NumberFormatException e) {
            return null; // picocli names the option and the value
        }
    }

    /** Options without a value. */
    private static final Set<String> FLAGS = Set.of("--faults", "--protect-reads");

    /** Options with one value that this path reads; the others go to picocli. */
    private static final Set<String> VALUED = Set.of("--config", "--name", "--cluster", "--bind", "--port",
            "--http-port", "--join", "--size", "--profile", "--token-file", "--lease", "--exit-with-parent",
            "--data-dir", "--replicas", "--control-port", "--max-agents", "--health-interval");

    private static ServeCommand serveCommand(Map<String, String> o) {
        ServeCommand s = new ServeCommand();
        s.configFile = path(o.get("--config"));
        s.name = o.get("--name");
        s.cluster = o.get("--cluster");
        s.bind = o.get("--bind");
        s.port = integer(o.get("--port"));
        s.httpPort = integer(o.get("--http-port"));
        // ServeCommand joins the list with commas again, so one element is the same seeds, and the same errors
        s.join = o.containsKey("--join") ? new ArrayList<>(List.of(o.get("--join"))) : null;
        s.size = integer(o.get("--size"));
        s.profile = o.get("--profile");
        s.faults = o.containsKey("--faults");
        s.tokenFile = path(o.get("--token-file"));
        s.protectReads = o.containsKey("--protect-reads");
        s.lease = path(o.get("--lease"));
        s.exitWithParent = o.containsKey("--exit-with-parent") ? Long.valueOf(o.get("--exit-with-parent")) : null;
        s.dataDir = path(o.get("--data-dir"));
        s.replicas = integer(o.get("--replicas"));
        s.controlPort = integer(o.get("--control-port"));
        s.maxAgents = integer(o.get("--max-agents"));
        s.healthInterval = o.get("--health-interval");
        return s;
    }

    private static Integer integer(String value) {
        return value == null ? null : Integer.valueOf(value);
    }

    private static Path path(String value) {
        return value == null ? null : Path.of(value);
    }
}
