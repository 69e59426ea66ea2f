package dev.muster.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Port blocks of test clusters: the range rule, and blocks held at once never share a port. */
class PortBlockTest {

    @Test
    void aMalformedRangeNamesThePropertyTheValueAndTheRule() {
        assertThat(PortBlock.range(" 23000-23999 ")).containsExactly(23000, 23999);
        for (String bad : new String[] {"23000", "23999-23000", "80-1000", "23000-70000", "a-b", "1-2-3"}) {
            assertThatThrownBy(() -> PortBlock.range(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("muster.test.ports: '" + bad + "' must be FROM-TO, two ports with 1024 <= FROM < TO"
                            + " <= 65535, e.g. 20000-32767");
        }
    }

    @Test
    void blocksHeldAtOnceDoNotOverlapAndAFullRangeSaysSo() {
        String before = System.getProperty(PortBlock.RANGE_PROPERTY);
        System.setProperty(PortBlock.RANGE_PROPERTY, "23500-23619"); // four slots of 30 ports
        List<PortBlock> held = new ArrayList<>();
        try {
            held.add(PortBlock.reserve(12, "127.0.0.1")); // 36 ports: two slots
            held.add(PortBlock.reserve(3, "127.0.0.1"));
            held.add(PortBlock.reserve(3, "127.0.0.1"));
            for (int a = 0; a < held.size(); a++) {
                for (int b = a + 1; b < held.size(); b++) {
                    assertThat(overlap(held.get(a), sizeOf(a), held.get(b), sizeOf(b)))
                            .as(held.get(a) + " and " + held.get(b)).isFalse();
                }
            }
            assertThatThrownBy(() -> PortBlock.reserve(3, "127.0.0.1")).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("no 3-node block of free ports in muster.test.ports 23500-23619");
            assertThatThrownBy(() -> PortBlock.reserve(50, "127.0.0.1")).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("muster.test.ports: 23500-23619 holds 4 slots of 30 ports and 50 nodes need 5; widen the range");
            held.remove(2).close();
            held.add(PortBlock.reserve(3, "127.0.0.1")); // a closed block's slot is free again
        } finally {
            held.forEach(PortBlock::close);
            if (before == null) {
                System.clearProperty(PortBlock.RANGE_PROPERTY);
            } else {
                System.setProperty(PortBlock.RANGE_PROPERTY, before);
            }
        }
    }

    private static int sizeOf(int k) {
        return k == 0 ? 12 : 3;
    }

    private static boolean overlap(PortBlock a, int sizeA, PortBlock b, int sizeB) {
        int endA = a.base() + sizeA * PortBlock.PORTS_PER_NODE;
        int endB = b.base() + sizeB * PortBlock.PORTS_PER_NODE;
        return a.base() < endB && b.base() < endA;
    }
}
