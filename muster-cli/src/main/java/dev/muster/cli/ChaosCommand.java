package dev.muster.cli;

import dev.muster.Durations;
import dev.muster.local.ApiToken;
import dev.muster.local.Chaos;
import dev.muster.local.ChaosPlan;
import dev.muster.local.LocalCluster;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code muster chaos kill|pause|partition|delay|loss|heal|monkey}: faults for a running cluster,
 * through {@link Chaos} (docs/chaos.md). Network faults work on a local cluster ({@code --dir})
 * or, with {@code --url}, on any cluster whose nodes run {@code muster serve --faults}; kill and
 * pause signal processes, so they need a local cluster. Every argument is checked before the
 * first fault is applied. Confined to the command's thread.
 */
@Command(name = "chaos", mixinStandardHelpOptions = true,
        description = "Break the cluster on purpose: kill, pause, partition, delay, loss, heal, or a seeded monkey.",
        subcommands = {ChaosCommand.Kill.class, ChaosCommand.Pause.class, ChaosCommand.Partition.class,
                ChaosCommand.Delay.class, ChaosCommand.Loss.class, ChaosCommand.Heal.class, ChaosCommand.Monkey.class})
final class ChaosCommand {

    /** What every subcommand shares: the cluster, and the token its nodes' fault APIs need. */
    abstract static class Base implements Callable<Integer> {
        @Mixin
        LocalOptions local;

        @Mixin
        ApiOptions remote;

        /** The token: --token, else MUSTER_TOKEN, else the cluster directory's token file. */
        ApiToken token() {
            return ApiToken.resolve(remote.token, System.getenv(ApiToken.ENV), local.dir);
        }

        Chaos chaos() {
            ApiToken token = token();
            if (remote.url != null) {
                URI url;
                try {
                    url = new URI(remote.url.strip());
                } catch (java.net.URISyntaxException e) {
                    throw new IllegalArgumentException("--url: '" + remote.url + "' is not a URL (" + e.getReason()
                            + "); give http://HOST:PORT, for example http://127.0.0.1:8151");
                }
                return Chaos.remote(url, token, System.out::println);
            }
            return Chaos.local(local.open(), token, System.out::println);
        }

        @Override
        public Integer call() {
            run(chaos());
            return 0;
        }

        abstract void run(Chaos chaos);
    }

    @Command(name = "kill", mixinStandardHelpOptions = true,
            description = "SIGKILL one node (a crash), or a running node picked at random from a seed.")
    static final class Kill extends Base {
        @Parameters(arity = "0..1", paramLabel = "NODE", description = "The node: index (3) or name (node-3).")
        String node;

        @Option(names = "--random", description = "Pick a running node at random.")
        boolean random;

        @Option(names = "--seed", paramLabel = "S", description = "Seed of --random (default: the clock; printed).")
        Long seed;

        @Override
        void run(Chaos chaos) {
            if (random == (node != null)) {
                throw new IllegalArgumentException("kill: give NODE or --random, one of them");
            }
            if (seed != null && !random) {
                throw new IllegalArgumentException("--seed goes with --random");
            }
            if (!random) {
                chaos.kill(chaos.node("NODE", node));
                return;
            }
            List<Chaos.Node> up = chaos.running();
            if (up.isEmpty()) {
                throw new IllegalStateException("no node is running; nothing to kill");
            }
            long s = seed != null ? seed : System.nanoTime();
            Chaos.Node picked = up.get(new Random(s).nextInt(up.size()));
            System.out.println("picked " + picked.name() + " of " + up.size() + " running nodes with --seed " + s);
            chaos.kill(picked);
        }
    }

    @Command(name = "pause", mixinStandardHelpOptions = true,
            description = "Freeze one node's process (SIGSTOP) for a while, then let it go on (SIGCONT); waits meanwhile.")
    static final class Pause extends Base {
        @Parameters(paramLabel = "NODE", description = "The node: index (3) or name (node-3).")
        String node;

        @Option(names = "--for", required = true, paramLabel = "DURATION", description = "How long, e.g. 5s (at most 1h).")
        String hold;

        @Override
        void run(Chaos chaos) {
            Duration d = Chaos.duration("--for", hold, Chaos.MAX_PAUSE);
            chaos.pause(chaos.node("NODE", node), d);
        }
    }

    @Command(name = "partition", mixinStandardHelpOptions = true,
            description = "Cut the cluster into sides: GROUPS like '1-2 / 3-5' or '1,2/3'; nodes named in no group form"
                    + " one more side. Through every node's fault filter (gossip UDP and TCP, Raft).")
    static final class Partition extends Base {
        @Parameters(arity = "1..*", paramLabel = "GROUPS", description = "Sides separated by /, each a comma list of"
                + " nodes (index or name) or ranges A-B.")
        List<String> groups;

        @Option(names = "--one-way", description = "Asymmetric: the first side cannot reach the later ones, which"
                + " still reach it.")
        boolean oneWay;

        @Option(names = "--bridge", split = ",", paramLabel = "NODE", description = "Nodes that stay connected to"
                + " every side (a bridge); the others are cut across.")
        List<String> bridge;

        @Override
        void run(Chaos chaos) {
            Set<Chaos.Node> bridges = new LinkedHashSet<>();
            if (bridge != null) {
                bridge.forEach(b -> bridges.add(chaos.node("--bridge", b)));
            }
            chaos.partition(chaos.groups(groups), bridges, oneWay);
        }
    }

    @Command(name = "delay", mixinStandardHelpOptions = true,
            description = "Delay every message to or from one node, e.g. 'delay 3 200ms --jitter 50ms'.")
    static final class Delay extends Base {
        @Parameters(index = "0", paramLabel = "NODE", description = "The node: index (3) or name (node-3).")
        String node;

        @Parameters(index = "1", paramLabel = "DELAY", description = "How much, e.g. 200ms (at most 60s).")
        String delay;

        @Option(names = "--jitter", defaultValue = "0ms", paramLabel = "DURATION",
                description = "Up to this much more, at random (at most DELAY; default ${DEFAULT-VALUE}).")
        String jitter;

        @Override
        void run(Chaos chaos) {
            Chaos.Node n = chaos.node("NODE", node);
            Duration d = Chaos.duration("DELAY", delay, Chaos.MAX_DELAY);
            Duration j = Durations.parse("--jitter", jitter);
            if (j.isNegative() || j.toMillis() != j.toNanos() / 1_000_000 || d.toMillis() != d.toNanos() / 1_000_000) {
                throw new IllegalArgumentException("DELAY and --jitter must be whole milliseconds of 0 or more; got "
                        + delay + " and " + jitter);
            }
            chaos.delay(n, d, j);
        }
    }

    @Command(name = "loss", mixinStandardHelpOptions = true,
            description = "Drop a share of the messages to or from one node, e.g. 'loss 3 10%'.")
    static final class Loss extends Base {
        @Parameters(index = "0", paramLabel = "NODE", description = "The node: index (3) or name (node-3).")
        String node;

        @Parameters(index = "1", paramLabel = "PERCENT", description = "How many, e.g. 10% (more than 0%, at most 100%).")
        String percent;

        @Override
        void run(Chaos chaos) {
            Chaos.Node n = chaos.node("NODE", node);
            chaos.loss(n, Chaos.percent("PERCENT", percent));
        }
    }

    @Command(name = "heal", mixinStandardHelpOptions = true,
            description = "Undo every fault: remove every node's fault rules and resume paused nodes (killed nodes"
                    + " stay down: 'muster node start N').")
    static final class Heal extends Base {
        @Override
        void run(Chaos chaos) {
            chaos.heal();
        }
    }

    @Command(name = "monkey", mixinStandardHelpOptions = true,
            description = "Random faults from a seeded schedule, one at a time, each undone after a while; the"
                    + " schedule is written to a file, and --replay FILE runs the same one again. Heals and restarts"
                    + " everything at the end.")
    static final class Monkey extends Base {
        @Option(names = "--rate", defaultValue = "1/30s", paramLabel = "N/DURATION",
                description = "How often a fault starts (default ${DEFAULT-VALUE}).")
        String rate;

        @Option(names = "--duration", defaultValue = "5m", paramLabel = "DURATION",
                description = "How long the run lasts (default ${DEFAULT-VALUE}; at most 1d).")
        String duration;

        @Option(names = "--seed", paramLabel = "S", description = "Seed of the schedule (default: the clock; printed).")
        Long seed;

        @Option(names = "--faults", split = ",", paramLabel = "KIND",
                description = "Kinds to draw from: kill, pause, partition, delay, loss (default: all; embedded mode:"
                        + " all but pause).")
        List<String> kinds;

        @Option(names = "--plan-file", paramLabel = "FILE",
                description = "Where to write the schedule (default: DIR/chaos/monkey-SEED.jsonl).")
        Path planFile;

        @Option(names = "--replay", paramLabel = "FILE", description = "Run the schedule in FILE instead of a new one.")
        Path replay;

        @Option(names = "--timeout", defaultValue = "120s", paramLabel = "DURATION",
                description = "How long a restarted node, and the cluster at the end, may take (default ${DEFAULT-VALUE}).")
        String timeout;

        @Override
        public Integer call() {
            if (remote.url != null) {
                throw new IllegalArgumentException("monkey kills and pauses processes, so it needs a local cluster (--dir);"
                        + " drop --url");
            }
            Duration wait = Chaos.duration("--timeout", timeout, Duration.ofHours(1));
            LocalCluster cluster = local.open();
            ChaosPlan plan;
            if (replay != null) {
                if (seed != null || kinds != null || planFile != null) {
                    throw new IllegalArgumentException("--replay runs the plan in its file: drop --seed, --faults and"
                            + " --plan-file");
                }
                plan = ChaosPlan.read(replay);
                System.out.println("replaying " + replay + ": seed " + plan.seed() + ", " + plan.events().size()
                        + " faults over " + Durations.format(plan.duration()));
            } else {
                Set<ChaosPlan.Kind> chosen = EnumSet.noneOf(ChaosPlan.Kind.class);
                if (kinds == null) {
                    chosen.addAll(EnumSet.allOf(ChaosPlan.Kind.class));
                    if (cluster.mode().equals("embedded")) {
                        chosen.remove(ChaosPlan.Kind.PAUSE);
                    }
                } else {
                    kinds.forEach(k -> chosen.add(ChaosPlan.Kind.parse("--faults", k)));
                }
                long s = seed != null ? seed : System.nanoTime();
                plan = ChaosPlan.generate(s, ChaosPlan.parseRate(rate), Chaos.duration("--duration", duration,
                        ChaosPlan.MAX_DURATION), cluster.size(), chosen);
                Path file = planFile != null ? planFile : cluster.directory().resolve("chaos").resolve("monkey-" + s + ".jsonl");
                plan.write(file);
                System.out.println("monkey: seed " + s + ", " + plan.events().size() + " faults over "
                        + Durations.format(plan.duration()) + "; plan in " + file + " (replay: muster chaos monkey --replay "
                        + file + ")");
            }
            boolean formed = Chaos.local(cluster, token(), System.out::println).run(plan, wait);
            if (!formed) {
                throw new IllegalStateException("the cluster did not form again within " + Durations.format(wait)
                        + " after the run; 'muster status' shows which node is missing");
            }
            System.out.println("monkey done: cluster healed and formed");
            return 0;
        }

        @Override
        void run(Chaos chaos) {
            throw new AssertionError("call() runs the monkey");
        }
    }
}
