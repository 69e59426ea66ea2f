package dev.muster.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Reads what a node process of a test prints on stdout. */
final class ProcessLines {

    private ProcessLines() {}

    /** The first line {@code p} prints, waiting at most {@code timeout}; null when it ended first. */
    static String first(Process p, Duration timeout) throws Exception {
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        return CompletableFuture.supplyAsync(() -> {
            try {
                return out.readLine();
            } catch (IOException e) {
                return null;
            }
        }).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }
}
