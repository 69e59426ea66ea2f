package dev.muster.cli;

import dev.muster.local.LocalCluster;

/**
 * Start progress on stderr: a bar redrawn in place on a terminal, plain lines otherwise (a log
 * or a pipe): one per phase change, one per second while the count moves, one per 10 s while
 * it does not.
 */
final class ProgressLine implements LocalCluster.Progress {

    private static final int WIDTH = 30;
    private final boolean enabled;
    private final boolean terminal = System.console() != null;
    private String lastPhase = "";
    private int lastDone = -1;
    private long lastPrintNanos;
    private boolean drew;

    ProgressLine(boolean enabled) {
        this.enabled = enabled;
    }

    @Override
    public synchronized void update(String phase, int done, int total) {
        if (!enabled) {
            return;
        }
        long now = System.nanoTime();
        if (terminal) {
            int filled = total == 0 ? WIDTH : done * WIDTH / total;
            System.err.printf("\r%-11s [%s%s] %d/%d ", phase, "#".repeat(filled), " ".repeat(WIDTH - filled), done, total);
            drew = true;
        } else if (!phase.equals(lastPhase) || (done != lastDone && now - lastPrintNanos > 1_000_000_000L)
                || now - lastPrintNanos > 10_000_000_000L) {
            System.err.printf("%s %d/%d%n", phase, done, total);
            lastPrintNanos = now;
            lastDone = done;
        }
        lastPhase = phase;
    }

    synchronized void done() {
        if (drew) {
            System.err.println();
            drew = false;
        }
    }
}
