package dev.muster.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.muster.Address;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** StaticSeeds and CompositeSeeds. */
class SeedSourcesTest {

    private static final Address A = Address.parse("10.0.0.1:7946");
    private static final Address B = Address.parse("[fd00::2]:7946");
    private static final Address C = Address.parse("10.0.0.3:7946");

    @Test
    void staticSeedsParseTheSeedListFormAndDropDuplicates() {
        StaticSeeds seeds = StaticSeeds.parse(" 10.0.0.1:7946, [fd00::2]:7946,,10.0.0.1:7946 ");

        assertThat(seeds.seeds()).containsExactly(A, B);
        assertThat(seeds.describe()).isEqualTo("static seeds [10.0.0.1:7946, [fd00::2]:7946]");
        assertThat(StaticSeeds.parse(" ").seeds()).isEmpty();
        assertThatThrownBy(() -> StaticSeeds.parse("10.0.0.1:7946,nonsense"))
                .hasMessageContaining("address 'nonsense' must look like host:port");
    }

    @Test
    void compositeJoinsItsPartsInOrderWithoutDuplicates() throws IOException {
        CompositeSeeds seeds = CompositeSeeds.of(StaticSeeds.of(A, B), StaticSeeds.of(B, C));

        assertThat(seeds.seeds()).containsExactly(A, B, C);
        assertThat(seeds.describe()).isEqualTo(
                "static seeds [10.0.0.1:7946, [fd00::2]:7946] + static seeds [[fd00::2]:7946, 10.0.0.3:7946]");
    }

    @Test
    void aFailingPartDoesNotHideTheOthers() throws IOException {
        CompositeSeeds seeds = CompositeSeeds.of(failing("DNS SRV lookup of 'x' failed"), StaticSeeds.of(A));

        assertThat(seeds.seeds()).containsExactly(A);
    }

    @Test
    void whenEveryPartFailsTheErrorCarriesEachFailure() {
        CompositeSeeds seeds = CompositeSeeds.of(failing("first failed"), failing("second failed"));

        assertThatThrownBy(seeds::seeds).isInstanceOf(IOException.class)
                .hasMessage("every seed source failed: first failed; second failed")
                .satisfies(e -> assertThat(e.getSuppressed()).hasSize(2));
    }

    @Test
    void aCompositeNeedsAPart() {
        assertThatThrownBy(() -> CompositeSeeds.of(List.of()))
                .hasMessage("a composite seed source needs at least one part");
    }

    private static SeedProvider failing(String message) {
        return new SeedProvider() {
            @Override
            public List<Address> seeds() throws IOException {
                throw new IOException(message);
            }

            @Override
            public String describe() {
                return "failing source";
            }
        };
    }
}
