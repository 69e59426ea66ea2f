package dev.muster.scenario;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A parsed scenario file: a cluster to start and the steps to run on it, in order. Every step
 * keeps the line it was written on, for the report and for errors. See {@link ScenarioParser}
 * for the file format and docs/scenarios.md for the steps.
 *
 * @param name the scenario's name (the file's name without extension when the file gives none)
 * @param size the cluster size the file asks for
 * @param mode {@code process} (one JVM per node) or {@code embedded} (one host JVM)
 * @param seed the seed of every random choice (kill: random); 0 when the file gives none
 * @param steps the steps, in order
 */
public record Scenario(String name, int size, String mode, long seed, List<Step> steps) {

    public Scenario {
        steps = List.copyOf(steps);
    }

    /** The highest node index a step names (0 when none does): a smaller cluster cannot run the scenario. */
    public int highestIndex() {
        int max = 0;
        for (Step s : steps) {
            max = Math.max(max, s.highestIndex());
        }
        return max;
    }

    /** The same scenario at another size and seed. */
    public Scenario with(int newSize, long newSeed) {
        return new Scenario(name, newSize, mode, newSeed, steps);
    }

    /** Which node a step acts on: one by index, the current leader, a random running one, or every node. */
    public sealed interface Target {
        /** The node index this target names, 0 when it names none (leader, random, all). */
        default int namedIndex() {
            return 0;
        }

        /** Node {@code index}, 1-based. */
        record Node(int index) implements Target {
            @Override
            public int namedIndex() {
                return index;
            }

            @Override
            public String toString() {
                return Integer.toString(index);
            }
        }

        /** The node the control plane elected, when the step runs. */
        record Leader() implements Target {
            @Override
            public String toString() {
                return "leader";
            }
        }

        /** A running node picked by the scenario's seed. */
        record Random() implements Target {
            @Override
            public String toString() {
                return "random";
            }
        }

        /** Every node, one after another (restart: all is a rolling restart). */
        record All() implements Target {
            @Override
            public String toString() {
                return "all";
            }
        }
    }

    /** One step of a scenario, at {@link #line()} of its file. */
    public sealed interface Step {
        int line();

        /** How the report names the step: its key and value as written, roughly. */
        String describe();

        default int highestIndex() {
            return 0;
        }
    }

    /** {@code wait: formed | leader | 2s}: wait for formation, a leader, or a fixed time. */
    public record Wait(int line, String what, Duration time, Duration within) implements Step {
        @Override
        public String describe() {
            return "wait " + (time != null ? dev.muster.Durations.format(time) : what);
        }
    }

    /** {@code kill: N | leader | random}: SIGKILL, no leave. */
    public record Kill(int line, Target target) implements Step {
        @Override
        public String describe() {
            return "kill " + target;
        }

        @Override
        public int highestIndex() {
            return target.namedIndex();
        }
    }

    /** {@code stop: N | leader | random}: a graceful stop; the node leaves. */
    public record Stop(int line, Target target) implements Step {
        @Override
        public String describe() {
            return "stop " + target;
        }

        @Override
        public int highestIndex() {
            return target.namedIndex();
        }
    }

    /** {@code start: N}: starts a killed or stopped node again under its name and ports. */
    public record Start(int line, int index) implements Step {
        @Override
        public String describe() {
            return "start " + index;
        }

        @Override
        public int highestIndex() {
            return index;
        }
    }

    /** {@code restart: N | leader | all}: stop then start; {@code all} does it node by node, each rejoining first. */
    public record Restart(int line, Target target) implements Step {
        @Override
        public String describe() {
            return "restart " + target;
        }

        @Override
        public int highestIndex() {
            return target.namedIndex();
        }
    }

    /** {@code partition: [[1, 2, 3], [4, 5]]}: no packet crosses between two sides; unnamed nodes form one more side. */
    public record Partition(int line, List<Set<Integer>> sides) implements Step {
        @Override
        public String describe() {
            return "partition " + sides;
        }

        @Override
        public int highestIndex() {
            return sides.stream().flatMap(Set::stream).mapToInt(Integer::intValue).max().orElse(0);
        }
    }

    /** {@code heal: {}}: removes every fault rule on every running node. */
    public record Heal(int line) implements Step {
        @Override
        public String describe() {
            return "heal";
        }
    }

    /** {@code pause: { node: N, for: 5s }}: SIGSTOP, then SIGCONT after the time (process mode); the step lasts that long. */
    public record Pause(int line, Target target, Duration hold) implements Step {
        @Override
        public String describe() {
            return "pause " + target + " for " + dev.muster.Durations.format(hold);
        }

        @Override
        public int highestIndex() {
            return target.namedIndex();
        }
    }

    /** {@code delay: { node: N, by: 200ms, jitter: 50ms }}: every message to or from the node waits that long more. */
    public record Delay(int line, Target target, Duration delay, Duration jitter) implements Step {
        @Override
        public String describe() {
            return "delay " + target + " by " + dev.muster.Durations.format(delay)
                    + (jitter.isZero() ? "" : " +- " + dev.muster.Durations.format(jitter));
        }

        @Override
        public int highestIndex() {
            return target.namedIndex();
        }
    }

    /** {@code loss: { node: N, rate: 10% }}: that share of the node's messages, both ways, is dropped. */
    public record Loss(int line, Target target, double rate) implements Step {
        @Override
        public String describe() {
            return "loss " + target + " " + Math.round(rate * 100) + "%";
        }

        @Override
        public int highestIndex() {
            return target.namedIndex();
        }
    }

    /** {@code inject: {content, energy, fanout, node}}: injects content at a node; later coverage checks look for it. */
    public record Inject(int line, String content, int energy, int fanout, int node) implements Step {
        @Override
        public String describe() {
            return "inject " + content.length() + " bytes, energy " + energy + " at node " + node;
        }

        @Override
        public int highestIndex() {
            return node;
        }
    }

    /** {@code submit: {agents: N, type: counter}}: submits N agents with ids {@code <scenario>-1..N}. */
    public record Submit(int line, int agents, String type) implements Step {
        @Override
        public String describe() {
            return "submit " + agents + " " + type + " agents";
        }
    }

    /**
     * {@code expect: {...conditions, within: 3s}}: waits until every condition holds, or fails the
     * scenario when {@code within} passes first.
     */
    public record Expect(int line, Map<String, Object> conditions, Duration within) implements Step {
        public Expect {
            conditions = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(conditions));
        }

        @Override
        public String describe() {
            return "expect " + ScenarioParser.describe(conditions) + " within " + dev.muster.Durations.format(within);
        }

        @Override
        public int highestIndex() {
            int max = 0;
            for (String key : List.of("dead", "seen_by")) {
                if (conditions.get(key) instanceof List<?> l) {
                    max = Math.max(max, l.stream().mapToInt(o -> (Integer) o).max().orElse(0));
                }
            }
            return max;
        }
    }
}
