package dev.muster.discovery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.muster.Address;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class IpLiteralsTest {

    @ParameterizedTest(name = "{0} is written {1}")
    @CsvSource({
            "127.0.0.1, 127.0.0.1",
            "0:0:0:0:0:0:0:1, ::1",
            "0:0:0:0:0:0:0:0, ::",
            "1:0:0:0:0:0:0:0, 1::",
            "FD00:0:0:0:0:0:0:2, fd00::2",
            "2001:db8:0:0:1:0:0:1, 2001:db8::1:0:0:1", // RFC 5952 4.2.3: the first of two equal runs
            "2001:db8:0:1:1:1:1:1, 2001:db8:0:1:1:1:1:1", // 4.2.2: one zero group is not compressed
            "2001:0:0:1:0:0:0:1, 2001:0:0:1::1", // 4.2.3: the longest run
            "::ffff:10.0.0.1, 10.0.0.1", // IPv4-mapped is IPv4 to the JDK
            "fe80:0:0:0:0:0:0:1%7, fe80::1%7",
    })
    void canonicalText(String literal, String expected) {
        assertThat(IpLiterals.text(IpLiterals.parse(literal))).isEqualTo(expected);
    }

    @ParameterizedTest
    @ValueSource(strings = {"localhost", "muster.test", "300.1.1.1", "1.2.3", "1:::2", "", "beef"})
    void thingsThatAreNotIpLiteralsAreNotParsedOrLookedUp(String text) {
        assertThat(IpLiterals.parse(text)).isNull();
    }

    @ParameterizedTest
    @CsvSource({"0:0:0:0:0:0:0:1, [::1]:7946", "10.0.0.1, 10.0.0.1:7946"})
    void anAddressFromAnIpPrintsAndParsesBack(String literal, String printed) {
        Address address = IpLiterals.toAddress(IpLiterals.parse(literal), 7946);

        assertThat(address).hasToString(printed);
        assertThat(Address.parse(printed)).isEqualTo(address);
    }
}
