package dev.muster.cli;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The same open-loop load as {@link ApiLoad}, sent the way wrk2 sends it: a fixed set of
 * keep-alive connections, each owned by one platform thread that writes its requests at their due
 * times (request {@code i} goes on connection {@code i mod connections}) and reads each answer
 * with a blocking read. A request waits for the one before it on its connection, and its latency
 * still counts from its due time, so a stall shows in the latencies (no coordinated omission).
 *
 * <p>Why a second client: the JDK {@code HttpClient} hands every request over four threads (the
 * caller, its selector, its executor, the caller again). On a 2-core machine shared with 50 node
 * JVMs each hand-over may wait for a core, and that wait is the client's, not the server's. Here
 * a request costs two wake-ups: the due time, and the answer's arrival.
 *
 * <p>HTTP/1.1 only, answers with {@code Content-Length} or chunked bodies. Each read has a
 * timeout of {@link ApiLoad#REQUEST_TIMEOUT}; a failed request is an error and its connection is
 * opened again for the next.
 */
final class ConnectionLoad {

    /** Connections, and threads, at most. */
    static final int MAX_CONNECTIONS = 64;
    private static final int MAX_HEADER_BYTES = 64 * 1024;

    private final InetSocketAddress address;
    private final byte[] request;
    private final int connections;

    /** GET {@code url} over {@code connections} connections, with {@code token} as a bearer token when not null. */
    ConnectionLoad(URI url, String token, int connections) {
        if (!"http".equals(url.getScheme()) || url.getHost() == null || url.getPort() < 1) {
            throw new IllegalArgumentException("the url " + url + " must be http://HOST:PORT/PATH");
        }
        if (connections < 1 || connections > MAX_CONNECTIONS) {
            throw new IllegalArgumentException("--connections (" + connections + ") must be between 1 and " + MAX_CONNECTIONS);
        }
        this.address = new InetSocketAddress(url.getHost(), url.getPort());
        this.connections = connections;
        String path = url.getRawPath() + (url.getRawQuery() == null ? "" : "?" + url.getRawQuery());
        StringBuilder r = new StringBuilder().append("GET ").append(path).append(" HTTP/1.1\r\nHost: ")
                .append(url.getHost()).append(':').append(url.getPort()).append("\r\nAccept: */*\r\n");
        if (token != null) {
            r.append("Authorization: Bearer ").append(token).append("\r\n");
        }
        this.request = r.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII);
    }

    /** As {@link ApiLoad#run}: unmeasured warm-up requests, then the measured ones. */
    ApiLoad.Result run(int rate, Duration warmup, Duration duration) throws InterruptedException {
        int[] counts = ApiLoad.counts(rate, warmup, duration);
        Connection[] conns = new Connection[connections];
        for (int k = 0; k < connections; k++) {
            conns[k] = new Connection();
        }
        try {
            if (counts[0] > 0) {
                phase(conns, rate, counts[0]);
            }
            return phase(conns, rate, counts[1]);
        } finally {
            for (Connection c : conns) {
                c.close();
            }
        }
    }

    private ApiLoad.Result phase(Connection[] conns, int rate, int count) throws InterruptedException {
        long[] latency = new long[count];
        Arrays.fill(latency, -1);
        AtomicLong bodyBytes = new AtomicLong(-1);
        AtomicLong lastDone = new AtomicLong();
        long intervalNanos = 1_000_000_000L / rate;
        long start = System.nanoTime() + 5_000_000; // time for every thread to get going
        Thread[] threads = new Thread[conns.length];
        for (int k = 0; k < conns.length; k++) {
            Connection c = conns[k];
            int first = k;
            threads[k] = Thread.ofPlatform().name("muster-bench-conn-" + k).daemon().start(() -> {
                for (int i = first; i < count; i += conns.length) {
                    long due = start + i * intervalNanos;
                    for (long wait; (wait = due - System.nanoTime()) > 0; ) {
                        LockSupport.parkNanos(wait);
                    }
                    long body = c.exchange(request);
                    long done = System.nanoTime();
                    if (body >= 0) {
                        latency[i] = done - due;
                        bodyBytes.set(body);
                    }
                    lastDone.accumulateAndGet(done, Math::max);
                }
            });
        }
        for (Thread t : threads) {
            t.join();
        }
        return ApiLoad.Result.of(latency, bodyBytes.get(), Math.max(0, lastDone.get() - start));
    }

    /** One keep-alive connection, used by one thread. */
    private final class Connection {
        private Socket socket;
        private InputStream in;
        private OutputStream out;
        private final byte[] sink = new byte[8192];

        /** Sends the request and reads the answer: its body's length when the status is 200, else -1. */
        long exchange(byte[] req) {
            try {
                if (socket == null) {
                    socket = new Socket();
                    socket.setTcpNoDelay(true);
                    socket.setSoTimeout((int) ApiLoad.REQUEST_TIMEOUT.toMillis());
                    socket.connect(address, (int) ApiLoad.REQUEST_TIMEOUT.toMillis());
                    in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
                    out = socket.getOutputStream();
                }
                out.write(req);
                out.flush();
                return readAnswer();
            } catch (IOException | RuntimeException e) {
                close();
                return -1;
            }
        }

        private long readAnswer() throws IOException {
            String status = line();
            String[] parts = status.split(" ", 3);
            if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
                throw new IOException("not an HTTP/1.x status line: " + status);
            }
            int code = Integer.parseInt(parts[1]);
            long length = -1;
            boolean chunked = false;
            boolean closeAfter = false;
            int headerBytes = status.length();
            for (String h; !(h = line()).isEmpty(); ) {
                headerBytes += h.length();
                if (headerBytes > MAX_HEADER_BYTES) {
                    throw new IOException("headers over " + MAX_HEADER_BYTES + " bytes");
                }
                int colon = h.indexOf(':');
                if (colon < 0) {
                    continue;
                }
                String name = h.substring(0, colon).trim().toLowerCase(Locale.ROOT);
                String value = h.substring(colon + 1).trim();
                switch (name) {
                    case "content-length" -> length = Long.parseLong(value);
                    case "transfer-encoding" -> chunked = value.toLowerCase(Locale.ROOT).contains("chunked");
                    case "connection" -> closeAfter = value.equalsIgnoreCase("close");
                    default -> { }
                }
            }
            long body;
            if (chunked) {
                body = 0;
                for (long size; (size = Long.parseLong(line().split(";", 2)[0].trim(), 16)) > 0; ) {
                    skip(size);
                    body += size;
                    line();
                }
                while (!line().isEmpty()) {
                    // trailers
                }
            } else if (length >= 0) {
                skip(length);
                body = length;
            } else {
                throw new IOException("an answer with neither Content-Length nor chunked encoding");
            }
            if (closeAfter) {
                close();
            }
            return code == 200 ? body : -1;
        }

        private String line() throws IOException {
            StringBuilder b = new StringBuilder();
            for (int c; (c = in.read()) != '\n'; ) {
                if (c < 0) {
                    throw new EOFException("the connection closed mid-answer");
                }
                if (c != '\r') {
                    b.append((char) c);
                }
                if (b.length() > MAX_HEADER_BYTES) {
                    throw new IOException("a line over " + MAX_HEADER_BYTES + " bytes");
                }
            }
            return b.toString();
        }

        private void skip(long n) throws IOException {
            for (long left = n; left > 0; ) {
                int r = in.read(sink, 0, (int) Math.min(sink.length, left));
                if (r < 0) {
                    throw new EOFException("the connection closed mid-body");
                }
                left -= r;
            }
        }

        void close() {
            if (socket != null) {
                try {
                    socket.close();
                } catch (IOException ignored) {
                    // closing a connection that failed
                }
                socket = null;
            }
        }
    }
}
