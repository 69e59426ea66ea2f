package dev.muster.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Field;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/** NodeMain's fast path must read options exactly as picocli does, or leave them to picocli. */
class NodeMainTest {

    /** Every @Option field of a parsed ServeCommand, by name. */
    private static Map<String, Object> options(ServeCommand s) throws Exception {
        Map<String, Object> out = new TreeMap<>();
        for (Field f : ServeCommand.class.getDeclaredFields()) {
            if (f.isAnnotationPresent(CommandLine.Option.class)) {
                Object v = f.get(s);
                // the fast path keeps --join as one comma-separated element; ServeCommand joins the list anyway
                out.put(f.getName(), f.getName().equals("join") && v != null ? String.join(",", s.join) : v);
            }
        }
        return out;
    }

    private static Map<String, Object> picocli(String[] args) throws Exception {
        ServeCommand s = new ServeCommand();
        new CommandLine(s).parseArgs(Arrays.copyOfRange(args, 1, args.length));
        return options(s);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        // what LocalCluster gives a node
        "serve --name node-2 --cluster local --bind 127.0.0.1 --port 12010 --http-port 13010 --size 5"
                + " --lease /tmp/c/node-2/pid --data-dir /tmp/c/node-2/data --token-file /tmp/c/token --faults"
                + " --join 127.0.0.1:12000,127.0.0.1:12010",
        // and a test cluster, with its config file and parent
        "serve --name node-1 --cluster t --port 12000 --http-port 13000 --config /tmp/t/test-node.yaml"
                + " --exit-with-parent 4711",
        "serve --port=12000 --http-port=-1 --name=a --replicas 5 --control-port 0 --max-agents 7",
        "serve --health-interval 2s --profile local --protect-reads --join a:1 --http-port -1",
        "serve",
    })
    void readsWhatPicocliReads(String line) throws Exception {
        String[] args = line.split(" ");
        ServeCommand fast = NodeMain.parse(args);
        assertThat(fast).as("the fast path takes %s", line).isNotNull();
        assertThat(options(fast)).isEqualTo(picocli(args));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "start --size 3",
        "serve --port abc",
        "serve --port 1 --port 2",
        "serve --faults=true",
        "serve --metadata a=b",
        "serve --agent-type x=y.Z",
        "serve --help",
        "serve --name",
        "serve --name --port 1",
        "serve --replica",
        "serve stray",
    })
    void leavesEverythingElseToPicocli(String line) {
        assertThat(NodeMain.parse(line.split(" "))).as("%s goes to picocli", line).isNull();
    }
}
