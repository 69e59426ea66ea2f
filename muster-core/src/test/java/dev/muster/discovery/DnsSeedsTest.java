package dev.muster.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.muster.Address;
import java.io.IOException;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class DnsSeedsTest {

    private FakeDnsServer dns;

    @BeforeEach
    void startDns() throws Exception {
        dns = new FakeDnsServer();
    }

    @AfterEach
    void stopDns() throws Exception {
        dns.close();
    }

    @Test
    void hostRecordsOfLocalhostThroughTheSystemResolver() throws IOException {
        var seeds = DnsSeeds.hostRecords("localhost", 7946).seeds();

        assertThat(seeds).as("localhost resolves to loopback, 127.0.0.1 and/or ::1 depending on /etc/hosts")
                .isNotEmpty()
                .isSubsetOf(Address.parse("127.0.0.1:7946"), Address.parse("[::1]:7946"));
    }

    @Test
    void aNameThatDoesNotResolveThroughTheSystemResolverGivesNoSeedsAndNoError() throws IOException {
        // .invalid never exists (RFC 2606); the JDK reports NXDOMAIN and failures alike, so: empty
        DnsSeeds unknown = DnsSeeds.hostRecords("muster-no-such-host.invalid", 7946);

        assertThat(unknown.seeds()).isEmpty();
        assertThat(unknown.describe())
                .isEqualTo("DNS A/AAAA records of 'muster-no-such-host.invalid' (port 7946) via system resolvers");
    }

    @Test
    void srvRecordsResolveTheirTargetsMostPreferredFirst() throws IOException {
        dns.srv("_muster._tcp.muster.test", 10, 10, 7001, "node-b.muster.test.")
                .srv("_muster._tcp.muster.test", 10, 60, 7000, "node-a.muster.test.")
                .a("node-a.muster.test", "127.0.0.11")
                .a("node-b.muster.test", "127.0.0.12")
                .aaaa("node-b.muster.test", "::1");

        var seeds = DnsSeeds.srvRecords("_muster._tcp.muster.test").withServer(dns.url()).seeds();

        assertThat(seeds).as("same priority: the heavier record (node-a) first; A before AAAA; IPv6 as [::1]")
                .containsExactly(Address.parse("127.0.0.11:7000"), Address.parse("127.0.0.12:7001"),
                        Address.parse("[::1]:7001"));
        assertThat(dns.questions()).as("one SRV query, then A and AAAA of each target, all to the given server")
                .containsExactly("SRV _muster._tcp.muster.test",
                        "A node-a.muster.test", "AAAA node-a.muster.test",
                        "A node-b.muster.test", "AAAA node-b.muster.test");
    }

    @Test
    void srvTargetsThatOfferNoServiceOrDoNotResolveAreSkippedAndDuplicatesDropped() throws IOException {
        dns.srv("_muster._tcp.muster.test", 0, 0, 7000, "node-a.muster.test")
                .srv("_muster._tcp.muster.test", 1, 0, 7000, "alias-of-a.muster.test")
                .srv("_muster._tcp.muster.test", 2, 0, 7000, ".")
                .srv("_muster._tcp.muster.test", 3, 0, 7000, "gone.muster.test")
                .a("node-a.muster.test", "127.0.0.11")
                .a("alias-of-a.muster.test", "127.0.0.11");

        var seeds = DnsSeeds.srvRecords("_muster._tcp.muster.test").withServer(dns.url()).seeds();

        assertThat(seeds).containsExactly(Address.parse("127.0.0.11:7000"));
        assertThat(dns.questions()).as("the '.' target means 'no service' and is never looked up")
                .containsExactly("SRV _muster._tcp.muster.test",
                        "A node-a.muster.test", "AAAA node-a.muster.test",
                        "A alias-of-a.muster.test", "AAAA alias-of-a.muster.test",
                        "A gone.muster.test", "AAAA gone.muster.test");
    }

    @Test
    void srvOfANameThatDoesNotExistGivesNoSeedsAndDescribeSaysWhatWasAsked() throws IOException {
        DnsSeeds srv = DnsSeeds.srvRecords("_muster._tcp.nothing.test").withServer(dns.url());

        assertThat(srv.seeds()).as("NXDOMAIN").isEmpty();
        assertThat(srv.describe()).isEqualTo("DNS SRV records of '_muster._tcp.nothing.test' via " + dns.url());
    }

    @Test
    void srvOfANameWithoutSrvRecordsGivesNoSeeds() throws IOException {
        dns.a("muster.test", "127.0.0.5");

        assertThat(DnsSeeds.srvRecords("muster.test").withServer(dns.url()).seeds()).isEmpty();
    }

    @Test
    void hostRecordsThroughAServerGiveIpv4ThenCanonicalIpv6() throws IOException {
        dns.aaaa("muster.test", "fd00:0:0:0:0:0:0:2").a("muster.test", "127.0.0.5");

        var seeds = DnsSeeds.hostRecords("muster.test", 7946).withServer(dns.url()).seeds();

        assertThat(seeds).containsExactly(Address.parse("127.0.0.5:7946"), Address.parse("[fd00::2]:7946"));
        assertThat(seeds.get(1).host()).isEqualTo("fd00::2");
    }

    @Test
    void hostRecordsOfANameThatDoesNotExistThroughAServerGiveNoSeeds() throws IOException {
        assertThat(DnsSeeds.hostRecords("nothing.test", 7946).withServer(dns.url()).seeds()).isEmpty();
    }

    @Test
    void aServerFailureIsAnIOExceptionNamingTheNameAndTheRecordType() {
        dns.servfail("_muster._tcp.broken.test");
        DnsSeeds srv = DnsSeeds.srvRecords("_muster._tcp.broken.test").withServer(dns.url());

        assertThatThrownBy(srv::seeds).isInstanceOf(IOException.class)
                .hasMessageStartingWith("DNS SRV lookup of '_muster._tcp.broken.test' via " + dns.url() + " failed")
                .hasMessageContaining("SERVFAIL");
    }

    @Test
    void aServerThatDoesNotAnswerIsAnIOExceptionAfterAboutThreeTimeouts() {
        dns.silent("muster.test");
        DnsSeeds host = DnsSeeds.hostRecords("muster.test", 7946).withServer(dns.url())
                .withTimeout(Duration.ofMillis(100));

        assertThatThrownBy(host::seeds).isInstanceOf(IOException.class)
                .hasMessageStartingWith("DNS A lookup of 'muster.test' via " + dns.url() + " failed")
                .hasMessageContaining("is the DNS server reachable?");
    }

    @Test
    void badSettingsNameTheRule() {
        assertThatThrownBy(() -> DnsSeeds.hostRecords("", 7946)).hasMessageContaining("DNS name '' must be 1 to 253");
        assertThatThrownBy(() -> DnsSeeds.hostRecords("muster.test", 0))
                .hasMessage("seed port 0 for DNS name 'muster.test' must be between 1 and 65535");
        assertThatThrownBy(() -> DnsSeeds.srvRecords("x").withServer("http://10.0.0.1"))
                .hasMessageStartingWith("DNS server 'http://10.0.0.1' must look like dns://host:port");
        assertThatThrownBy(() -> DnsSeeds.srvRecords("x").withTimeout(Duration.ofMinutes(5)))
                .hasMessage("DNS timeout (5m) must be between 10ms and 30s");
    }

    @Test
    void theServerUrlGetsPort53WhenItHasNone() {
        assertThat(DnsSeeds.srvRecords("_muster._tcp.svc").withServer("dns://[fd00::10]").describe())
                .isEqualTo("DNS SRV records of '_muster._tcp.svc' via dns://[fd00::10]:53");
    }
}
