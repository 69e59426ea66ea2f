package dev.muster.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.muster.scenario.Scenario;
import dev.muster.scenario.ScenarioParser;
import dev.muster.scenario.ScenarioReport;
import dev.muster.scenario.ScenarioRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code muster scenario run|check FILE...}: YAML test scenarios (docs/scenarios.md). */
@Command(name = "scenario", mixinStandardHelpOptions = true,
        description = "Run YAML test scenarios against a local cluster: steps, expectations, a report per step.",
        subcommands = {ScenarioCommand.Run.class, ScenarioCommand.Check.class})
final class ScenarioCommand implements Runnable {

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** The files named: a directory stands for its .yaml and .yml files, sorted. */
    static List<Path> files(List<Path> given) {
        List<Path> out = new ArrayList<>();
        for (Path p : given) {
            if (Files.isDirectory(p)) {
                try (Stream<Path> s = Files.list(p)) {
                    s.filter(f -> f.toString().endsWith(".yaml") || f.toString().endsWith(".yml")).sorted().forEach(out::add);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException("cannot list " + p, e);
                }
            } else if (Files.isRegularFile(p)) {
                out.add(p);
            } else {
                throw new IllegalArgumentException("FILE '" + p + "' is no scenario file or directory");
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("FILE " + given + " holds no .yaml scenario");
        }
        return out;
    }

    @Command(name = "run", mixinStandardHelpOptions = true,
            description = "Start a cluster for each scenario (or use the running one), run its steps, print a report;"
                    + " exit 1 when a scenario fails.")
    static final class Run implements Callable<Integer> {

        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Parameters(paramLabel = "FILE", arity = "1..*", description = "Scenario files, or directories of them.")
        List<Path> files;

        @Option(names = "--size", description = "Nodes, instead of the file's (default: CI_CLUSTER_SIZE when CI is set,"
                + " else CLUSTER_SIZE, else the file's); never below the highest node a step names.")
        Integer size;

        @Option(names = "--mode", description = "process or embedded, instead of the file's.")
        String mode;

        @Option(names = "--seed", description = "Seed of random choices (kill: random), instead of the file's or a fresh one.")
        Long seed;

        @Option(names = "--slack", defaultValue = "1",
                description = "Multiply every 'within' by this, 1..100, for a slow or shared host (default ${DEFAULT-VALUE}).")
        double slack;

        @Option(names = "--running", description = "Use the cluster running in --dir instead of starting one (left running).")
        boolean running;

        @Option(names = "--dir", paramLabel = "DIR",
                description = "With --running, the cluster's directory (default .muster); else where the started cluster"
                        + " lives (default: a temporary directory, removed after).")
        Path dir;

        @Option(names = "--base-port", description = "Gossip port of node-1 of a started cluster (default: a block of free ports"
                + " in 20000..32767, locked against other runs); HTTP at +1, Raft at +2, 3 ports a node.")
        Integer basePort;

        @Option(names = "--keep", description = "Leave the started cluster running after the run ('muster stop --dir DIR').")
        boolean keep;

        @Option(names = "--json", description = "Print the reports as JSON.")
        boolean json;

        @Override
        public Integer call() {
            if (mode != null && !mode.equals("process") && !mode.equals("embedded")) {
                throw new IllegalArgumentException("--mode '" + mode + "' must be process or embedded");
            }
            if (!(slack >= 1 && slack <= 100)) {
                throw new IllegalArgumentException("--slack '" + slack + "' must be from 1 to 100");
            }
            if (keep && running) {
                throw new IllegalArgumentException("--keep goes with a started cluster; --running leaves its cluster running anyway");
            }
            java.io.PrintWriter out = spec.commandLine().getOut();
            java.io.PrintWriter err = spec.commandLine().getErr();
            List<Path> all = files(files);
            List<Scenario> parsed = new ArrayList<>();
            for (Path f : all) {
                parsed.add(ScenarioParser.parse(f)); // every file checked before any cluster starts
            }
            if (keep && all.size() > 1) {
                throw new IllegalArgumentException("--keep takes one scenario file, not " + all.size());
            }
            Path clusterDir = running && dir == null ? Path.of(".muster") : dir;
            ScenarioRun.Settings settings = new ScenarioRun.Settings(size, mode, seed, slack, clusterDir, running,
                    basePort, keep, System.getenv(), r -> {
                        if (!json) {
                            err.printf(Locale.ROOT, "  %s line %d: %s %s%n", r.outcome(), r.line(), r.step(),
                                    r.detail());
                            err.flush();
                        }
                    });
            ArrayNode reports = new ObjectMapper().createArrayNode();
            int failed = 0;
            for (int i = 0; i < all.size(); i++) {
                if (!json) {
                    err.println("running " + all.get(i));
                }
                ScenarioReport report = ScenarioRun.run(parsed.get(i), all.get(i).toString(), settings);
                failed += report.passed() ? 0 : 1;
                if (json) {
                    reports.add(report.json());
                } else {
                    out.print(report.text());
                    out.flush();
                }
            }
            if (json) {
                out.println(reports.size() == 1 ? reports.get(0).toPrettyString() : reports.toPrettyString());
            } else if (all.size() > 1) {
                out.println((all.size() - failed) + " of " + all.size() + " scenarios passed");
            }
            out.flush();
            return failed == 0 ? 0 : 1;
        }
    }

    @Command(name = "check", mixinStandardHelpOptions = true,
            description = "Read scenario files and report the first error of each (file:line: rule), starting nothing.")
    static final class Check implements Callable<Integer> {

        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Parameters(paramLabel = "FILE", arity = "1..*", description = "Scenario files, or directories of them.")
        List<Path> files;

        @Override
        public Integer call() {
            int bad = 0;
            java.io.PrintWriter out = spec.commandLine().getOut();
            java.io.PrintWriter err = spec.commandLine().getErr();
            for (Path f : files(files)) {
                try {
                    Scenario s = ScenarioParser.parse(f);
                    out.println(f + ": ok, " + s.name() + ", " + s.size() + " nodes, " + s.steps().size() + " steps");
                } catch (IllegalArgumentException e) {
                    err.println("muster: " + e.getMessage());
                    bad++;
                }
            }
            out.flush();
            err.flush();
            return bad == 0 ? 0 : 2;
        }
    }
}
