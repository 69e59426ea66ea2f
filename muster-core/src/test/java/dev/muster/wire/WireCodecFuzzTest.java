package dev.muster.wire;

import static org.assertj.core.api.Assertions.assertThat;

import dev.muster.membership.Message;
import dev.muster.wire.WireException.Reason;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.lifecycle.AfterProperty;
import net.jqwik.api.lifecycle.BeforeProperty;

/**
 * Bytes from the network are hostile. For each try, jqwik supplies a valid packet, a valid frame
 * and a seed; the seed derives {@value #INPUTS_PER_TRY} inputs from them (random bytes, bit flips,
 * truncations, splices, insertions, deletions, duplicated ranges, planted varints) and feeds each
 * to the packet or frame decoder. The only outcomes allowed: a {@link WireException}, or a decode
 * whose messages re-encode and decode to themselves (what a node accepts, it can also send).
 *
 * <p>{@value #TRIES} tries x {@value #INPUTS_PER_TRY} inputs = 1,024,000 decoder inputs, counted
 * and checked after the property so the run cannot silently shrink. A failure prints the seed and
 * the input in hex; jqwik prints the seed of the generated corpus.
 */
class WireCodecFuzzTest {

    private static final int TRIES = 1_000;
    private static final int INPUTS_PER_TRY = 1_024;
    private static final long MIN_INPUTS = 1_000_000;
    /** Bytes that matter to varints and tags: zero, one, the 7-bit edges, all ones. */
    private static final int[] INTERESTING = {0x00, 0x01, 0x02, 0x7F, 0x80, 0x81, 0xFE, 0xFF};

    /** Outcome counters of one property run; jqwik runs the tries of a property on one thread. */
    private static final long[] REFUSED = new long[Reason.values().length];
    private static long decoded;
    private static long inputs;
    private static long startNanos;
    private static long startCpuNanos;

    private final WireCodec codec = new WireCodec();

    @Provide
    Arbitrary<List<Message>> packets() {
        return WireArbitraries.packets(6, 4);
    }

    @Provide
    Arbitrary<Message> messages() {
        return WireArbitraries.messages(6);
    }

    @BeforeProperty
    void resetCounters() {
        Arrays.fill(REFUSED, 0);
        decoded = 0;
        inputs = 0;
        startNanos = System.nanoTime();
        startCpuNanos = ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
    }

    @Property(tries = TRIES, shrinking = ShrinkingMode.OFF, edgeCases = EdgeCasesMode.NONE)
    void theDecodersOnlyDecodeOrRefuse(@ForAll("packets") List<Message> packetMessages,
                                       @ForAll("messages") Message frameMessage, @ForAll long seed) {
        byte[] packet = codec.encodePacket(packetMessages);
        byte[] frame = codec.encodeFrame(frameMessage);
        SplittableRandom rnd = new SplittableRandom(seed);
        for (int i = 0; i < INPUTS_PER_TRY; i++) {
            boolean asPacket = rnd.nextBoolean();
            byte[] base = asPacket ? packet : frame;
            byte[] other = rnd.nextInt(4) == 0 ? (asPacket ? frame : packet) : base;
            byte[] input = rnd.nextInt(16) == 0 ? randomBytes(rnd, asPacket) : mutate(rnd, base, other);
            // now and then a frame decoder sees a packet and the other way round
            boolean decodeAsPacket = rnd.nextInt(32) == 0 ? !asPacket : asPacket;
            feed(input, decodeAsPacket, seed, i);
        }
    }

    @AfterProperty
    void checkTheRunWasFullSize() {
        long millis = (System.nanoTime() - startNanos) / 1_000_000;
        long cpuMillis = (ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime() - startCpuNanos) / 1_000_000;
        System.out.printf("wire fuzz: %,d inputs in %,d ms (%,d ms CPU): %,d decoded, refused %s%n", inputs, millis,
                cpuMillis, decoded, refusals());
        assertThat(inputs).as("decoder inputs in one run").isGreaterThanOrEqualTo(MIN_INPUTS);
        assertThat(decoded).as("inputs that decoded (the mutations must not all be garbage)").isPositive();
        for (Reason r : new Reason[] {Reason.VERSION, Reason.TRUNCATED, Reason.MALFORMED, Reason.UNKNOWN_TYPE}) {
            assertThat(REFUSED[r.ordinal()]).as("inputs refused as %s", r).isPositive();
        }
    }

    private void feed(byte[] input, boolean asPacket, long seed, int index) {
        inputs++;
        List<Message> messages;
        try {
            messages = asPacket ? codec.decodePacket(input, 0, input.length).messages()
                    : List.of(codec.decodeFrame(input, 0, input.length));
        } catch (WireException e) {
            REFUSED[e.reason().ordinal()]++;
            return;
        } catch (RuntimeException | StackOverflowError e) {
            throw new AssertionError(describe(input, asPacket, seed, index) + " threw " + e, e);
        }
        decoded++;
        try {
            if (asPacket) {
                byte[] again = codec.encodePacket(messages);
                assertThat(codec.decodePacket(again, 0, again.length).messages()).isEqualTo(messages);
            } else {
                byte[] again = codec.encodeFrame(messages.get(0));
                assertThat(codec.decodeFrame(again, 0, again.length)).isEqualTo(messages.get(0));
            }
        } catch (WireException | RuntimeException e) {
            throw new AssertionError(describe(input, asPacket, seed, index)
                    + " decoded to " + messages + " which does not re-encode: " + e, e);
        }
    }

    private static String describe(byte[] input, boolean asPacket, long seed, int index) {
        return (asPacket ? "packet" : "frame") + " input " + index + " of seed " + seed + " ("
                + HexFormat.of().formatHex(input) + ")";
    }

    private static String refusals() {
        StringBuilder sb = new StringBuilder();
        for (Reason r : Reason.values()) {
            sb.append(sb.isEmpty() ? "" : ", ").append(r).append(' ').append(String.format("%,d", REFUSED[r.ordinal()]));
        }
        return sb.toString();
    }

    // ------------------------------------------------------------------ mutations

    /** One to three stacked mutations of {@code base}. */
    private static byte[] mutate(SplittableRandom rnd, byte[] base, byte[] other) {
        byte[] b = base;
        int steps = 1 + rnd.nextInt(3);
        for (int s = 0; s < steps; s++) {
            b = switch (rnd.nextInt(8)) {
                case 0 -> flipBits(rnd, b);
                case 1 -> Arrays.copyOf(b, b.length == 0 ? 0 : rnd.nextInt(b.length)); // truncate
                case 2 -> setByte(rnd, b);
                case 3 -> splice(rnd, b, other);
                case 4 -> insert(rnd, b);
                case 5 -> delete(rnd, b);
                case 6 -> duplicate(rnd, b);
                default -> plantVarint(rnd, b);
            };
        }
        return b;
    }

    private static byte[] flipBits(SplittableRandom rnd, byte[] b) {
        byte[] out = b.clone();
        if (out.length > 0) {
            for (int n = 1 + rnd.nextInt(4); n > 0; n--) {
                out[rnd.nextInt(out.length)] ^= (byte) (1 << rnd.nextInt(8));
            }
        }
        return out;
    }

    private static byte[] setByte(SplittableRandom rnd, byte[] b) {
        byte[] out = b.clone();
        if (out.length > 0) {
            int value = rnd.nextBoolean() ? INTERESTING[rnd.nextInt(INTERESTING.length)] : rnd.nextInt(256);
            out[rnd.nextInt(out.length)] = (byte) value;
        }
        return out;
    }

    /** A prefix of {@code a} joined to a suffix of {@code b}. */
    private static byte[] splice(SplittableRandom rnd, byte[] a, byte[] b) {
        int head = rnd.nextInt(a.length + 1);
        int tailFrom = rnd.nextInt(b.length + 1);
        byte[] out = Arrays.copyOf(a, head + b.length - tailFrom);
        System.arraycopy(b, tailFrom, out, head, b.length - tailFrom);
        return out;
    }

    private static byte[] insert(SplittableRandom rnd, byte[] b) {
        byte[] junk = new byte[1 + rnd.nextInt(8)];
        for (int i = 0; i < junk.length; i++) {
            junk[i] = (byte) (rnd.nextBoolean() ? INTERESTING[rnd.nextInt(INTERESTING.length)] : rnd.nextInt(256));
        }
        return insertAt(b, rnd.nextInt(b.length + 1), junk);
    }

    private static byte[] delete(SplittableRandom rnd, byte[] b) {
        if (b.length == 0) {
            return b;
        }
        int from = rnd.nextInt(b.length);
        int to = Math.min(b.length, from + 1 + rnd.nextInt(16));
        byte[] out = new byte[b.length - (to - from)];
        System.arraycopy(b, 0, out, 0, from);
        System.arraycopy(b, to, out, from, b.length - to);
        return out;
    }

    private static byte[] duplicate(SplittableRandom rnd, byte[] b) {
        if (b.length == 0) {
            return b;
        }
        int from = rnd.nextInt(b.length);
        int to = Math.min(b.length, from + 1 + rnd.nextInt(32));
        return insertAt(b, rnd.nextInt(b.length + 1), Arrays.copyOfRange(b, from, to));
    }

    /** Overwrites bytes with a varint: a huge one, or one just around a limit. */
    private static byte[] plantVarint(SplittableRandom rnd, byte[] b) {
        long value = switch (rnd.nextInt(4)) {
            case 0 -> rnd.nextLong();
            case 1 -> WireCodec.DEFAULT_MAX_MESSAGE_BYTES + rnd.nextInt(-2, 3);
            case 2 -> 0xFFFF_FFFFL + rnd.nextInt(-2, 3);
            default -> rnd.nextInt(300);
        };
        byte[] out = b.clone();
        int pos = out.length == 0 ? 0 : rnd.nextInt(out.length);
        while (pos < out.length) {
            out[pos++] = (byte) ((value & ~0x7FL) != 0 ? (value & 0x7F) | 0x80 : value);
            if ((value & ~0x7FL) == 0) {
                break;
            }
            value >>>= 7;
        }
        return out;
    }

    /** Up to 64 random bytes, mostly behind a valid header so they reach the body decoders. */
    private static byte[] randomBytes(SplittableRandom rnd, boolean packet) {
        byte[] out = new byte[rnd.nextInt(65)];
        rnd.nextBytes(out);
        if (out.length >= 2 && rnd.nextInt(4) != 0) {
            out[0] = WireCodec.PROTOCOL_VERSION;
            out[1] = (byte) (packet ? WireCodec.COMPOUND : 1 + rnd.nextInt(Message.TYPE_PUSH_PULL));
        }
        return out;
    }

    private static byte[] insertAt(byte[] b, int at, byte[] piece) {
        byte[] out = new byte[b.length + piece.length];
        System.arraycopy(b, 0, out, 0, at);
        System.arraycopy(piece, 0, out, at, piece.length);
        System.arraycopy(b, at, out, at + piece.length, b.length - at);
        return out;
    }
}
