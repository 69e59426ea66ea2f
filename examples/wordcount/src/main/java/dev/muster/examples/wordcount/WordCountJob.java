package dev.muster.examples.wordcount;

import dev.muster.Cluster;
import dev.muster.content.Digest;
import dev.muster.services.CallOptions;
import dev.muster.services.Reply;
import dev.muster.services.Request;
import dev.muster.services.RpcException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A distributed word count, coordinated by one node:
 * <ol>
 *   <li><b>split</b> the input at whitespace into chunks and store each in the coordinator's
 *       content store under its digest;</li>
 *   <li><b>map</b>: each chunk is one call to the {@value MapService#SERVICE} service, so the
 *       node's call strategy ({@code rpc.strategy}) places it; a chunk whose call fails (its node
 *       was killed, timed out, shed load) runs again on another node;</li>
 *   <li><b>reduce</b> the partial counts on the coordinator;</li>
 *   <li><b>store</b> the result ({@code word TAB count} lines, sorted) in the content store under its
 *       digest.</li>
 * </ol>
 * The result equals {@link Words#count} of the same input.
 */
public final class WordCountJob {

    /**
     * @param minChunks the input is split into at least this many chunks (more when a chunk
     *     would exceed {@code maxChunkBytes})
     * @param maxChunkBytes the largest chunk; it must fit the content store's largest entry
     * @param parallelism map calls in flight at once
     * @param callTimeout the deadline of one map call
     * @param maxAttempts runs of one chunk before the job fails
     * @param resultEnergy the energy the result is injected with (0 keeps it on the coordinator)
     * @param onChunk told of each chunk once it is counted (progress, tests); may be null
     */
    public record Options(int minChunks, int maxChunkBytes, int parallelism, Duration callTimeout, int maxAttempts,
                          int resultEnergy, Consumer<ChunkRun> onChunk) {
        public static final Options DEFAULTS = new Options(16, 1_000_000, 8, Duration.ofSeconds(30), 10, 0, null);

        public Options {
            if (minChunks < 1 || maxChunkBytes < 1 || parallelism < 1 || maxAttempts < 1 || resultEnergy < 0) {
                throw new IllegalArgumentException("chunks, chunk size, parallelism and attempts must be positive");
            }
            Objects.requireNonNull(callTimeout, "callTimeout");
        }

        public Options withChunks(int n) {
            return new Options(n, maxChunkBytes, parallelism, callTimeout, maxAttempts, resultEnergy, onChunk);
        }

        public Options withParallelism(int n) {
            return new Options(minChunks, maxChunkBytes, n, callTimeout, maxAttempts, resultEnergy, onChunk);
        }

        public Options withResultEnergy(int e) {
            return new Options(minChunks, maxChunkBytes, parallelism, callTimeout, maxAttempts, e, onChunk);
        }

        public Options withOnChunk(Consumer<ChunkRun> c) {
            return new Options(minChunks, maxChunkBytes, parallelism, callTimeout, maxAttempts, resultEnergy, c);
        }
    }

    /** Where one chunk was counted. */
    public record ChunkRun(int index, String digest, int bytes, String node, int attempts) {}

    /**
     * What the job found.
     *
     * @param resultDigest the stored result's digest, or null when the result was too large to store
     */
    public record Result(Map<String, Long> counts, long totalWords, long inputBytes, List<ChunkRun> chunks,
                         String resultDigest, int resultBytes, Duration split, Duration map, Duration reduce,
                         Duration store, int reruns) {

        /** The {@code n} most frequent words, ties by word. */
        public List<Map.Entry<String, Long>> top(int n) {
            List<Map.Entry<String, Long>> all = new ArrayList<>(counts.entrySet());
            all.sort(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder()).thenComparing(Map.Entry.comparingByKey()));
            return all.subList(0, Math.min(n, all.size()));
        }

        public Duration total() {
            return split.plus(map).plus(reduce).plus(store);
        }
    }

    private WordCountJob() {}

    /**
     * Runs the job from {@code coordinator}.
     *
     * @throws RpcException when no node offers the map service, or a chunk failed {@code maxAttempts} times
     */
    public static Result run(Cluster coordinator, byte[] input, Options o) throws InterruptedException {
        long t0 = System.nanoTime();
        List<byte[]> chunks = Words.split(input, o.minChunks(), o.maxChunkBytes());
        List<Digest> digests = new ArrayList<>(chunks.size());
        for (byte[] c : chunks) {
            digests.add(coordinator.content().inject(c, 0, 1).digest());
        }
        long t1 = System.nanoTime();

        byte[][] partials = new byte[chunks.size()][];
        ChunkRun[] runs = new ChunkRun[chunks.size()];
        int[] reruns = {0};
        Semaphore window = new Semaphore(o.parallelism());
        List<CompletableFuture<Void>> all = new ArrayList<>(chunks.size());
        for (int i = 0; i < chunks.size(); i++) {
            window.acquire();
            int index = i;
            CompletableFuture<Void> done = new CompletableFuture<>();
            all.add(done);
            mapChunk(coordinator, chunks.get(i), o, 1, done, (reply, attempts) -> {
                partials[index] = reply.payload();
                ChunkRun run = new ChunkRun(index, digests.get(index).toString(), chunks.get(index).length,
                        reply.headers().getOrDefault(MapService.NODE_HEADER, "?"), attempts);
                synchronized (runs) {
                    runs[index] = run;
                    reruns[0] += attempts - 1;
                }
                if (o.onChunk() != null) {
                    o.onChunk().accept(run);
                }
            });
            done.whenComplete((v, e) -> window.release());
        }
        try {
            CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RpcException r ? r
                    : new RpcException(RpcException.Kind.UNAVAILABLE, String.valueOf(e.getCause()), e.getCause());
        }
        long t2 = System.nanoTime();

        Map<String, Long> counts = new HashMap<>();
        for (byte[] p : partials) {
            Words.mergeEncoded(p, counts);
        }
        long total = 0;
        for (long n : counts.values()) {
            total += n;
        }
        long t3 = System.nanoTime();

        byte[] result = Words.encode(new TreeMap<>(counts));
        String digest = null;
        try {
            digest = coordinator.content().inject(result, o.resultEnergy(), 3).digest().toString();
        } catch (IllegalArgumentException | IllegalStateException tooLarge) {
            // the result stays in memory only; the caller reports why
        }
        long t4 = System.nanoTime();
        List<ChunkRun> runList;
        synchronized (runs) {
            runList = List.of(runs.clone());
        }
        return new Result(Collections.unmodifiableMap(new LinkedHashMap<>(counts)), total, input.length, runList, digest,
                result.length, Duration.ofNanos(t1 - t0), Duration.ofNanos(t2 - t1), Duration.ofNanos(t3 - t2),
                Duration.ofNanos(t4 - t3), reruns[0]);
    }

    private interface Counted {
        void accept(Reply reply, int attempts);
    }

    private static void mapChunk(Cluster coordinator, byte[] chunk, Options o, int attempt, CompletableFuture<Void> done,
                                 Counted counted) {
        coordinator.services().call(MapService.SERVICE, Request.of(chunk), CallOptions.timeout(o.callTimeout()))
                .whenComplete((reply, error) -> {
                    if (error == null) {
                        try {
                            counted.accept(reply, attempt);
                            done.complete(null);
                        } catch (RuntimeException e) {
                            done.completeExceptionally(e);
                        }
                        return;
                    }
                    RpcException e = error instanceof RpcException r ? r
                            : new RpcException(RpcException.Kind.UNAVAILABLE, String.valueOf(error.getMessage()), error);
                    boolean noInstance = e.kind() == RpcException.Kind.UNAVAILABLE
                            && coordinator.services().resolve(MapService.SERVICE).isEmpty();
                    if (attempt >= o.maxAttempts() || noInstance || e.kind() == RpcException.Kind.TOO_LARGE
                            || e.kind() == RpcException.Kind.CLOSED) {
                        done.completeExceptionally(new RpcException(e.kind(), "a chunk of " + chunk.length
                                + " bytes failed " + attempt + " time(s); the last: " + e.getMessage(), e));
                        return;
                    }
                    // run it again, on whichever node the strategy picks next, after a short pause
                    CompletableFuture.delayedExecutor(50L * attempt, TimeUnit.MILLISECONDS).execute(() ->
                            mapChunk(coordinator, chunk, o, attempt + 1, done, counted));
                });
    }

    /** The result as it is stored: {@code word TAB count} lines, sorted by word. */
    public static String format(Map<String, Long> counts) {
        return new String(Words.encode(new TreeMap<>(counts)), StandardCharsets.UTF_8);
    }
}
