package dev.muster.discovery;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;

/**
 * Whether multicast works on this host's loopback interface, for tests that need it: some
 * sandboxes and CI hosts have no multicast on {@code lo}, and those tests skip there with the
 * reason instead of failing.
 */
public final class LoopbackMulticast {

    private static String problem;
    private static boolean probed;

    private LoopbackMulticast() {}

    /** Null when a datagram sent to a group on loopback comes back within 2 s; otherwise why not. */
    public static synchronized String problem() {
        if (!probed) {
            problem = probe();
            probed = true;
        }
        return problem;
    }

    static NetworkInterface loopbackInterface() {
        try {
            return NetworkInterface.getByInetAddress(InetAddress.getLoopbackAddress());
        } catch (IOException e) {
            throw new IllegalStateException("this host has no loopback interface", e);
        }
    }

    private static String probe() {
        NetworkInterface lo = loopbackInterface();
        String flags = "interface " + lo.getName() + " " + multicastFlag(lo);
        try (DatagramChannel receiver = DatagramChannel.open(StandardProtocolFamily.INET);
                DatagramChannel sender = DatagramChannel.open(StandardProtocolFamily.INET);
                Selector selector = Selector.open()) {
            InetAddress group = InetAddress.getByName(MulticastConfig.DEFAULT_GROUP);
            receiver.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            receiver.bind(new InetSocketAddress(group, 0));
            receiver.join(group, lo);
            receiver.configureBlocking(false).register(selector, SelectionKey.OP_READ);
            sender.setOption(StandardSocketOptions.IP_MULTICAST_IF, lo);
            sender.setOption(StandardSocketOptions.IP_MULTICAST_LOOP, true);
            sender.setOption(StandardSocketOptions.IP_MULTICAST_TTL, 0);
            sender.send(ByteBuffer.wrap(new byte[] {1}), receiver.getLocalAddress());
            if (selector.select(2_000) == 0) {
                return "a multicast datagram sent on " + flags + " did not come back within 2 s;"
                        + " on Linux, 'ip link set " + lo.getName() + " multicast on' may help";
            }
            return null;
        } catch (IOException e) {
            return "multicast on " + flags + " fails: " + e;
        }
    }

    private static String multicastFlag(NetworkInterface lo) {
        try {
            return lo.supportsMulticast() ? "(MULTICAST flag set)" : "(no MULTICAST flag)";
        } catch (IOException e) {
            return "(flags unreadable: " + e.getMessage() + ")";
        }
    }
}
