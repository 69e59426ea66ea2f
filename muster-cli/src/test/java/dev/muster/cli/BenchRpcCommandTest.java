package dev.muster.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

/** {@code muster bench rpc} runs both systems and prints its figures; how fast they are is not checked here. */
class BenchRpcCommandTest {

    private record Result(int code, String out, String err) {}

    private static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = Main.commandLine();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int code = cli.execute(args);
        return new Result(code, out.toString(), err.toString());
    }

    @Test
    void measuresMusterAndGrpcAndPrintsOneJsonObject() throws Exception {
        Result r = run("bench", "rpc", "--duration", "1s", "--warmup", "0s", "--callers", "4", "--rate", "200",
                "--payload-bytes", "16", "--json");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode json = new ObjectMapper().readTree(r.out());
        assertThat(json.get("payload_bytes").asInt()).isEqualTo(16);
        for (String system : new String[] {"muster", "grpc"}) {
            JsonNode s = json.get(system);
            assertThat(s).as("%s in %s", system, r.out()).isNotNull();
            for (String path : new String[] {"/throughput/calls_per_s", "/throughput/cpu_us_per_call",
                "/throughput/latency_us/p50", "/throughput/latency_us/p99", "/throughput/latency_us/max",
                "/fixed_rate/latency_us/p50", "/fixed_rate/latency_us/p99", "/fixed_rate/latency_us/p999",
                "/fixed_rate/latency_us/max"}) {
                assertThat(s.at(path).isNumber()).as("%s%s in %s", system, path, r.out()).isTrue();
            }
            // every echo came back, with the payload's length: the calls work, however fast
            assertThat(s.at("/throughput/calls").asLong()).as("%s throughput calls", system).isPositive();
            assertThat(s.at("/throughput/errors").asLong()).as("%s throughput errors", system).isZero();
            assertThat(s.at("/fixed_rate/calls").asLong()).as("%s fixed-rate calls", system).isEqualTo(200);
            assertThat(s.at("/fixed_rate/errors").asLong()).as("%s fixed-rate errors", system).isZero();
        }
        for (String ratio : new String[] {"calls_per_s", "fixed_rate_p50", "fixed_rate_p99"}) {
            assertThat(json.at("/muster_over_grpc/" + ratio).isNumber()).as("ratio %s in %s", ratio, r.out()).isTrue();
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "--callers 0 | --callers (0) must be between 1 and 1024",
        "--rate 0 | --rate (0) must be between 1 and 200000 calls per second",
        "--payload-bytes -1 | --payload-bytes (-1) must be between 0 and 1048576",
        "--duration 10 | --duration '10' is not a duration",
        "--duration 1h | --duration (1h) must be between 100ms and 2m",
        "--systems muster,thrift | --systems: 'thrift' is not a system",
        "--grpc-setup tuned | --grpc-setup 'tuned' must be matched or default",
        "--callers many | Invalid value for option '--callers'"})
    void badArgumentsGiveOneClearErrorAndRunNothing(String args, String message) {
        Result r = run(("bench rpc " + args).split(" "));
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains(message);
        assertThat(r.err().lines().count()).as("one error line and a pointer to --help: %s", r.err()).isLessThanOrEqualTo(2);
        assertThat(r.out()).isEmpty();
    }
}
