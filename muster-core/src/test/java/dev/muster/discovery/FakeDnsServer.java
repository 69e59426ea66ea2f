package dev.muster.discovery;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A tiny authoritative DNS server for tests: a real UDP socket on 127.0.0.1 that answers A, AAAA
 * and SRV questions from a zone the test fills in. Unknown names get NXDOMAIN, known names
 * without the asked type an empty NOERROR answer; names marked {@link #servfail} get SERVFAIL and
 * names marked {@link #silent} no answer at all. Answers one question per query (what JNDI
 * sends), uncompressed except for the pointer back to the question name.
 */
final class FakeDnsServer implements AutoCloseable {

    static final int TYPE_A = 1;
    static final int TYPE_AAAA = 28;
    static final int TYPE_SRV = 33;
    private static final int RCODE_SERVFAIL = 2;
    private static final int RCODE_NXDOMAIN = 3;

    private record Answer(int type, byte[] rdata) {}

    private final DatagramSocket socket;
    private final Thread thread;
    private final Map<String, List<Answer>> zone = new ConcurrentHashMap<>();
    private final Set<String> servfail = ConcurrentHashMap.newKeySet();
    private final Set<String> silent = ConcurrentHashMap.newKeySet();
    private final List<String> questions = new CopyOnWriteArrayList<>();

    FakeDnsServer() throws SocketException {
        socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        thread = new Thread(this::serve, "fake-dns-" + socket.getLocalPort());
        thread.setDaemon(true);
        thread.start();
    }

    /** {@code dns://127.0.0.1:port}, for {@link DnsSeeds#withServer(String)}. */
    String url() {
        return "dns://127.0.0.1:" + socket.getLocalPort();
    }

    /** Questions asked so far, as {@code "SRV _muster._tcp.muster.test"}. */
    List<String> questions() {
        return List.copyOf(questions);
    }

    FakeDnsServer a(String name, String ip) {
        return add(name, TYPE_A, literal(ip, 4));
    }

    FakeDnsServer aaaa(String name, String ip) {
        return add(name, TYPE_AAAA, literal(ip, 16));
    }

    FakeDnsServer srv(String name, int priority, int weight, int port, String target) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        try {
            out.writeShort(priority);
            out.writeShort(weight);
            out.writeShort(port);
            writeName(out, target);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return add(name, TYPE_SRV, bytes.toByteArray());
    }

    FakeDnsServer servfail(String name) {
        servfail.add(key(name));
        return this;
    }

    FakeDnsServer silent(String name) {
        silent.add(key(name));
        return this;
    }

    @Override
    public void close() {
        socket.close();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private FakeDnsServer add(String name, int type, byte[] rdata) {
        zone.computeIfAbsent(key(name), k -> new CopyOnWriteArrayList<>()).add(new Answer(type, rdata));
        return this;
    }

    private void serve() {
        byte[] buffer = new byte[512];
        while (!socket.isClosed()) {
            DatagramPacket query = new DatagramPacket(buffer, buffer.length);
            try {
                socket.receive(query);
                byte[] response = answer(buffer, query.getLength());
                if (response != null) {
                    socket.send(new DatagramPacket(response, response.length, query.getSocketAddress()));
                }
            } catch (IOException e) {
                return; // the socket was closed by close()
            }
        }
    }

    /** The response to one query, or null to stay silent. */
    private byte[] answer(byte[] q, int length) throws IOException {
        int pos = 12;
        StringBuilder name = new StringBuilder();
        while (pos < length && q[pos] != 0) {
            int labelLength = q[pos] & 0xff;
            name.append(new String(q, pos + 1, labelLength, StandardCharsets.US_ASCII)).append('.');
            pos += labelLength + 1;
        }
        pos++; // the root label
        int type = ((q[pos] & 0xff) << 8) | (q[pos + 1] & 0xff);
        int questionEnd = pos + 4; // type and class
        String key = key(name.toString());
        questions.add(typeName(type) + " " + key);
        if (silent.contains(key)) {
            return null;
        }
        List<Answer> records = zone.get(key);
        int rcode = servfail.contains(key) ? RCODE_SERVFAIL : records == null ? RCODE_NXDOMAIN : 0;
        List<Answer> answers = new ArrayList<>();
        if (rcode == 0) {
            records.stream().filter(r -> r.type() == type).forEach(answers::add);
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.write(q, 0, 2); // id
        int recursionDesired = q[2] & 0x01;
        out.writeByte(0x80 | 0x04 | recursionDesired); // QR, AA, RD
        out.writeByte(0x80 | rcode); // RA, RCODE
        out.writeShort(1);
        out.writeShort(answers.size());
        out.writeShort(0);
        out.writeShort(0);
        out.write(q, 12, questionEnd - 12);
        for (Answer answer : answers) {
            out.writeShort(0xC00C); // pointer to the question's name
            out.writeShort(answer.type());
            out.writeShort(1); // IN
            out.writeInt(60); // TTL
            out.writeShort(answer.rdata().length);
            out.write(answer.rdata());
        }
        return bytes.toByteArray();
    }

    private static void writeName(DataOutputStream out, String name) throws IOException {
        for (String label : name.split("\\.")) {
            if (!label.isEmpty()) {
                out.writeByte(label.length());
                out.write(label.getBytes(StandardCharsets.US_ASCII));
            }
        }
        out.writeByte(0);
    }

    private static String key(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        return lower.endsWith(".") ? lower.substring(0, lower.length() - 1) : lower;
    }

    private static byte[] literal(String ip, int size) {
        byte[] address = IpLiterals.parse(ip).getAddress();
        if (address.length != size) {
            throw new IllegalArgumentException(ip + " is not " + size + " bytes");
        }
        return address;
    }

    private static String typeName(int type) {
        return switch (type) {
            case TYPE_A -> "A";
            case TYPE_AAAA -> "AAAA";
            case TYPE_SRV -> "SRV";
            default -> "TYPE" + type;
        };
    }
}
