package dev.muster.rpc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.muster.Address;
import dev.muster.Metadata;
import dev.muster.services.Health;
import dev.muster.services.ServiceInstance;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AdsTest {

    private static final Address AT = new Address("127.0.0.1", 7001);

    @Test
    void anAdvertisementReadsBackAsTheInstanceItDescribes() {
        Metadata m = Metadata.of(Map.of(
                Ads.key("echo"), Ads.value(Health.PASSING, Map.of("version", "1.2", "zone", "eu-1", "weight", "3")),
                Ads.key("counter"), Ads.value(Health.FAILING, Map.of()),
                "cpu", "0.5", "svc", "not an ad", "svd.x", "neither"));
        List<ServiceInstance> all = Ads.parse("node-1", AT, m);
        assertThat(all).containsExactly(
                new ServiceInstance("counter", "node-1", AT, Map.of(), Health.FAILING),
                new ServiceInstance("echo", "node-1", AT, Map.of("version", "1.2", "zone", "eu-1", "weight", "3"),
                        Health.PASSING));
        assertThat(all.get(1).weight()).isEqualTo(3);
        assertThat(all.get(0).weight()).isEqualTo(1);
    }

    @Test
    void aMalformedAdvertisementFromAnotherNodeIsSkippedNotFatal() {
        Metadata m = Metadata.of(Map.of("svc.bad name", "p", "svc.empty", "", "svc.odd", "p,novalue,k=v,=x"));
        assertThat(Ads.parse("n", AT, m)).containsExactly(
                new ServiceInstance("odd", "n", AT, Map.of("k", "v"), Health.PASSING));
    }

    @Test
    void theRulesNameTheOffendingValue() {
        assertThat(Ads.problem("echo", Map.of("zone", "a"))).isNull();
        assertThat(Ads.problem("", Map.of())).contains("service name ''");
        assertThat(Ads.problem("x".repeat(65), Map.of())).contains("1 to 64 characters");
        assertThat(Ads.problem("echo", Map.of("k", "a=b"))).contains("'k=a=b'");
        assertThat(Ads.problem("echo", Map.of("weight", "-1"))).contains("weight=-1");
    }
}
