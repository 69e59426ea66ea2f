package dev.muster.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.muster.ClusterConfig;
import dev.muster.ConfigException;
import dev.muster.HttpConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where muster serve's HTTP token comes from, and what a bad one says. */
class TokenSourceTest {

    @TempDir
    Path dir;

    @Test
    void aTokenFromTheConfigOrTheEnvironmentIsUsedAsItIs() {
        String token = "configured-token-0123456789";
        assertThat(TokenSource.resolve(HttpConfig.DEFAULTS.withToken(token), dir, "node-1")).isEqualTo(token);
        ClusterConfig c = ClusterConfig.builder().http(HttpConfig.DEFAULTS.withTokenFile(dir.resolve("t")))
                .applyEnvironment(Map.of("MUSTER_TOKEN", "from-the-environment-42")).build();
        assertThat(c.http().token()).isEqualTo("from-the-environment-42");
        assertThat(c.http().tokenFile()).as("the environment wins over the file's token-file").isNull();
    }

    @Test
    void aTokenFileIsReadAndABrokenOneNamesTheSetting() throws Exception {
        Path file = dir.resolve("token");
        Files.writeString(file, "file-token-0123456789abc\nignored second line\n");
        assertThat(TokenSource.resolve(HttpConfig.DEFAULTS.withTokenFile(file), null, "node-1"))
                .isEqualTo("file-token-0123456789abc");

        Files.writeString(file, "short\n");
        assertThatThrownBy(() -> TokenSource.resolve(HttpConfig.DEFAULTS.withTokenFile(file), null, "node-1"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("http.token-file")
                .hasMessageContaining("a token of 5 characters").hasMessageNotContaining("short");
        Path missing = dir.resolve("nope");
        assertThatThrownBy(() -> TokenSource.resolve(HttpConfig.DEFAULTS.withTokenFile(missing), null, "node-1"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("http.token-file: " + missing + " cannot be read");
    }

    @Test
    void withoutATokenOneIsMadeIntoTheDataDirectoryAndKeptForTheNextStart() throws Exception {
        String made = TokenSource.resolve(HttpConfig.DEFAULTS, dir, "node-1");
        Path file = dir.resolve(TokenSource.FILE);
        assertThat(Files.readString(file).strip()).isEqualTo(made);
        assertThat(Files.getPosixFilePermissions(file)).containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ,
                PosixFilePermission.OWNER_WRITE);
        assertThat(HttpConfig.tokenProblem("t", made)).as("a made token is a valid one").isEmpty();
        assertThat(TokenSource.resolve(HttpConfig.DEFAULTS, dir, "node-1")).as("a restart keeps it").isEqualTo(made);
        assertThat(TokenSource.resolve(HttpConfig.DEFAULTS, null, "node-1")).as("without a data dir: a fresh one")
                .isNotEqualTo(made).hasSize(43);
    }

    @Test
    void badHttpSettingsNameTheKeyAndTheRule() {
        assertThatThrownBy(() -> ClusterConfig.builder().http(HttpConfig.DEFAULTS.withToken("has space in it 0123")).build())
                .isInstanceOf(ConfigException.class).hasMessageContaining("http.token: the token has a character that is "
                        + "not allowed at position 4");
        assertThatThrownBy(() -> ClusterConfig.builder().http(HttpConfig.DEFAULTS.withEventsBuffer(3)).build())
                .hasMessageContaining("http.events-buffer: 3 must be between 16 and 65536");
        assertThatThrownBy(() -> ClusterConfig.builder().http(HttpConfig.DEFAULTS.withToken("good-token-0123456789")
                .withTokenFile(Path.of("/x"))).build()).hasMessageContaining("http.token and http.token-file (/x) are both set");
        assertThatThrownBy(() -> ClusterConfig.builder().applyEnvironment(Map.of("MUSTER_TOKEN", "tiny")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("MUSTER_TOKEN: a token of 4 characters");
    }

    @Test
    void theHttpSectionOfAConfigFileIsReadAndItsUnknownKeysNamed() throws Exception {
        Path ok = dir.resolve("ok.yaml");
        Files.writeString(ok, "http:\n  token-file: /etc/muster/token\n  protect-reads: true\n  events-buffer: 128\n");
        HttpConfig h = dev.muster.ClusterConfigLoader.fromFile(ok).build().http();
        assertThat(h.tokenFile()).isEqualTo(Path.of("/etc/muster/token"));
        assertThat(h.protectReads()).isTrue();
        assertThat(h.eventsBuffer()).isEqualTo(128);
        Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, "http:\n  protect-read: true\n");
        assertThatThrownBy(() -> dev.muster.ClusterConfigLoader.fromFile(bad).build())
                .isInstanceOf(ConfigException.class).hasMessageContaining("unknown setting 'http.protect-read'");
    }
}
