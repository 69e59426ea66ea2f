package dev.muster.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.muster.Address;
import dev.muster.discovery.Announcement.Rejection;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AnnouncementTest {

    private static final Announcement SMALL = new Announcement("c", "n", Address.parse("127.0.0.1:7946"));

    @Test
    void versionOneBytesAreFixed() {
        // changing these bytes breaks mixed-version clusters: append fields, or raise the version
        assertThat(HexFormat.of().formatHex(SMALL.encode()))
                .isEqualTo("4d555344" + "01" + "0163" + "016e" + "09" + hex("127.0.0.1") + "1f0a");
    }

    @Test
    void roundTripsUnicodeNamesAndIpv6() {
        var announcement = new Announcement("clüster-ü", "nöde-1", Address.parse("[fd00::2]:7946"));

        assertThat(decode(announcement.encode())).isEqualTo(new Announcement.Valid(announcement));
    }

    @Test
    void bytesAfterThePortAreFieldsOfALaterRevisionAndIgnored() {
        byte[] longer = Arrays.copyOf(SMALL.encode(), SMALL.encode().length + 3);

        assertThat(decode(longer)).isEqualTo(new Announcement.Valid(SMALL));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource({
            "empty, '', FOREIGN",
            "short, 4d55, FOREIGN",
            "other magic, 48454c4c4f2c20776f726c64, FOREIGN",
            "magic only, 4d555344, MALFORMED",
            "newer version, 4d55534402, UNSUPPORTED_VERSION",
            "no strings, 4d55534401, MALFORMED",
            "truncated string, 4d5553440105636c75, MALFORMED",
            "empty cluster name, 4d555344010001" + "6e" + "01" + "61" + "1f0a, MALFORMED",
            "no port, 4d55534401" + "0163" + "016e" + "0161, MALFORMED",
            "half a port, 4d55534401" + "0163" + "016e" + "0161" + "1f, MALFORMED",
            "port zero, 4d55534401" + "0163" + "016e" + "0161" + "0000, MALFORMED",
            "invalid UTF-8, 4d55534401" + "01ff" + "016e" + "0161" + "1f0a, MALFORMED",
            "space in host, 4d55534401" + "0163" + "016e" + "03612062" + "1f0a, MALFORMED",
    })
    void badDatagramsAreRejectedNotThrown(String what, String hex, Rejection expected) {
        assertThat(decode(HexFormat.of().parseHex(hex))).isEqualTo(new Announcement.Rejected(expected));
    }

    @Test
    void moreThan512BytesIsOversizedWhateverItHolds() {
        byte[] big = Arrays.copyOf(SMALL.encode(), Announcement.MAX_BYTES + 1);

        assertThat(decode(big)).isEqualTo(new Announcement.Rejected(Rejection.OVERSIZED));
        assertThat(decode(Arrays.copyOf(big, Announcement.MAX_BYTES))).isEqualTo(new Announcement.Valid(SMALL));
    }

    @Test
    void anAnnouncementThatWouldNotFitIsRefusedNamingItsSize() {
        var tooBig = new Announcement("c".repeat(255), "n".repeat(255), Address.parse("127.0.0.1:7946"));

        assertThatThrownBy(tooBig::encode)
                .hasMessageEndingWith("takes 529 bytes, more than the 512-byte limit: shorten the cluster or node name");
    }

    @Test
    void fieldsAreCheckedWhenBuilt() {
        Address address = Address.parse("127.0.0.1:7946");
        assertThatThrownBy(() -> new Announcement("", "n", address))
                .hasMessage("cluster name '' must be 1 to 255 bytes of UTF-8");
        assertThatThrownBy(() -> new Announcement("c", "ü".repeat(128), address))
                .hasMessageStartingWith("node name 'üüü").hasMessageEndingWith("must be 1 to 255 bytes of UTF-8");
        assertThatThrownBy(() -> new Announcement("c", "n", new Address("a b", 1)))
                .hasMessage("advertised host 'a b' must be an IP address or a DNS name (letters, digits and . - _ : % only)");
    }

    private static Announcement.Decoded decode(byte[] bytes) {
        ByteBuf buf = Unpooled.wrappedBuffer(bytes);
        try {
            return Announcement.decode(buf);
        } finally {
            buf.release();
        }
    }

    private static String hex(String ascii) {
        return HexFormat.of().formatHex(ascii.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    }
}
