package dev.muster.cli;

import static dev.muster.cli.AgentsCommandTest.run;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.muster.content.Digest;
import dev.muster.local.LocalCluster;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code muster inject}, {@code muster content} and {@code muster wordcount} against a local
 * cluster of three {@code muster serve} processes.
 */
class ContentCommandsProcessTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TIMEOUT = Duration.ofSeconds(90);

    @TempDir
    static Path dir;

    @BeforeAll
    static void startCluster() {
        System.setProperty(LocalCluster.CLASSPATH_PROPERTY,
                System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")));
        int base = 20_000 + ThreadLocalRandom.current().nextInt(120) * 100;
        LocalCluster c = LocalCluster.create(dir.resolve("cluster"), "content-cli", 3, "127.0.0.1", base, base + 50, 5,
                List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss512k", "-Xmx96m"));
        c.start(3, true, TIMEOUT, (phase, done, total) -> { });
    }

    @AfterAll
    static void clean() {
        LocalCluster.clean(dir.resolve("cluster"));
    }

    private static AgentsCommandTest.Run muster(String... args) {
        List<String> argv = new ArrayList<>(List.of(args));
        argv.addAll(List.of("--dir", dir.resolve("cluster").toString()));
        return run(argv);
    }

    @Test
    void injectedContentReachesEveryNodeAndEachNodeListsAndServesIt() throws Exception {
        AgentsCommandTest.Run inject = muster("inject", "--content", "spread the word", "--wait", "--json", "--node", "2");
        assertThat(inject.code()).as(inject.err()).isZero();
        JsonNode r = JSON.readTree(inject.out());
        String digest = Digest.of("spread the word".getBytes(StandardCharsets.UTF_8)).toString();
        assertThat(r.path("digest").asText()).isEqualTo(digest);
        assertThat(r.path("full").asBoolean()).as(inject.out()).isTrue();
        assertThat(r.path("holders").asInt()).isEqualTo(3);
        assertThat(r.path("full_coverage_ms").asLong()).isNotNegative();
        assertThat(r.path("hops").path("0").asInt()).as("the origin").isEqualTo(1);

        JsonNode listed = JSON.readTree(muster("content", "ls", "--node", "3", "--json").out());
        assertThat(listed.path("entries").findValuesAsText("digest")).contains(digest);
        assertThat(muster("content", "get", digest, "--node", "1").out()).isEqualTo("spread the word");

        AgentsCommandTest.Run again = muster("inject", "--content", "spread the word", "--node", "1");
        assertThat(again.out()).contains("it held this content already");
    }

    @Test
    void tooLittleEnergyGivesPartialCoverageAndSaysWhy() throws Exception {
        AgentsCommandTest.Run local = muster("inject", "--content", "stay at home", "--energy", "0", "--wait");
        assertThat(local.code()).as(local.err()).isZero();
        assertThat(local.out()).contains("partial coverage: 1/3 nodes")
                .contains("energy 0 with fanout 3 reaches at most 1 nodes");
    }

    @Test
    void badArgumentsExitWithTwoAndAOneLineReason() {
        AgentsCommandTest.Run digest = muster("content", "get", "xyz");
        assertThat(digest.code()).isEqualTo(2);
        assertThat(digest.err()).contains("digest 'xyz' must be 64 hex digits");
        AgentsCommandTest.Run energy = muster("inject", "--content", "x", "--energy", "65");
        assertThat(energy.code()).isEqualTo(2);
        assertThat(energy.err()).contains("--energy: 65 must be between 0 and 64");
        AgentsCommandTest.Run both = muster("inject", "--content", "x", "--file", "y");
        assertThat(both.code()).isEqualTo(2);
        AgentsCommandTest.Run chunks = muster("wordcount", "nothing.txt", "--chunks", "0");
        assertThat(chunks.code()).isEqualTo(2);
        assertThat(chunks.err()).contains("--chunks: 0 must be between 1 and 10000");
    }

    @Test
    void wordcountCountsAFileAcrossTheClusterAndMatchesACountInOneProcess() throws Exception {
        Path text = dir.resolve("text.txt");
        Files.writeString(text, "Alpha beta gamma\nbeta gamma\ngamma. ".repeat(2000));
        AgentsCommandTest.Run wc = muster("wordcount", text.toString(), "--chunks", "6", "--json");
        assertThat(wc.code()).as(wc.err()).isZero();
        JsonNode r = JSON.readTree(wc.out());
        assertThat(r.path("equal").asBoolean()).isTrue();
        assertThat(r.path("words").asLong()).isEqualTo(12_000);
        assertThat(r.path("distinct").asInt()).isEqualTo(3);
        assertThat(r.path("top").get(0).path("word").asText()).isEqualTo("gamma");
        assertThat(r.path("top").get(0).path("count").asLong()).isEqualTo(6000);
        assertThat(r.path("nodes").asInt()).isEqualTo(3);
        assertThat(r.path("chunks").asInt()).isGreaterThanOrEqualTo(6);
        String result = r.path("result_digest").asText();
        // the result was injected into the cluster, so it outlives the command's own node
        AgentsCommandTest.Run stored = muster("content", "get", result, "--node", "2");
        assertThat(stored.code()).as(stored.err()).isZero();
        assertThat(stored.out()).contains("alpha\t2000\n").contains("gamma\t6000\n");
    }
}
