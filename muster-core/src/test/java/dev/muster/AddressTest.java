package dev.muster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AddressTest {

    @Test
    void parsesAndPrintsIpv4AndIpv6() {
        assertThat(Address.parse("127.0.0.1:7946")).isEqualTo(new Address("127.0.0.1", 7946));
        assertThat(Address.parse("[::1]:7946")).isEqualTo(new Address("::1", 7946));
        assertThat(new Address("::1", 7946)).hasToString("[::1]:7946");
        assertThat(Address.parse("node-1.muster.svc:8000").host()).isEqualTo("node-1.muster.svc");
    }

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1", "127.0.0.1:", ":7946", "host:port", "host:70000", "::1:7946", "[::1]7946"})
    void rejectsMalformedAddressesWithTheExpectedForm(String text) {
        assertThatThrownBy(() -> Address.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("port");
    }
}
