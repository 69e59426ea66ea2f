package dev.muster;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The content store and diffusion settings ({@code content.*} in a config file). Immutable.
 *
 * @param budgetBytes [{@code content.budget-bytes}] bytes of content a node keeps; past it the
 *     least recently used entries that are not pinned are evicted. 1 MiB or more. Default 256 MiB.
 * @param maxContentBytes [{@code content.max-content-bytes}] the largest piece of content. 1 or more.
 *     Default 1 MiB. Content must also fit one call: a node refuses what is larger than
 *     {@code rpc.max-message-bytes} less {@link #PUSH_OVERHEAD_BYTES} too ({@link #effectiveMax}).
 * @param fanout [{@code content.fanout}] peers each node pushes to when it forwards (one per part of
 *     its slice of the ring), unless the inject names another. 1 to 32. Default 3.
 * @param energy [{@code content.energy}] hops an inject may travel, unless it names another.
 *     0 to 64. Default 10.
 * @param dir [{@code content.dir}] where content is also kept on disk, so a restarted node still
 *     holds it; null keeps it in memory only. {@code muster serve} uses DATA_DIR/content. Default null.
 */
public record ContentConfig(long budgetBytes, int maxContentBytes, int fanout, int energy, Path dir) {

    public static final ContentConfig DEFAULTS = new ContentConfig(256L << 20, 1 << 20, 3, 10, null);

    /** Room a push needs beyond its content within one call: digest, origin, times, counts. */
    public static final int PUSH_OVERHEAD_BYTES = 512;

    /** The largest content a node with these settings stores and sends. */
    public int effectiveMax(RpcConfig rpc) {
        return Math.max(0, Math.min(maxContentBytes, rpc.maxMessageBytes() - PUSH_OVERHEAD_BYTES));
    }

    /** Every broken rule, naming its key, value and rule; empty when valid. */
    public List<String> problems() {
        List<String> p = new ArrayList<>();
        if (budgetBytes < 1L << 20) {
            p.add("content.budget-bytes: " + budgetBytes + " must be at least 1048576 (1 MiB)");
        }
        if (maxContentBytes < 1) {
            p.add("content.max-content-bytes: " + maxContentBytes + " must be at least 1");
        } else if (maxContentBytes > budgetBytes && budgetBytes >= 1L << 20) {
            p.add("content.max-content-bytes: " + maxContentBytes + " must not exceed content.budget-bytes (" + budgetBytes + ")");
        }
        if (fanout < 1 || fanout > 32) {
            p.add("content.fanout: " + fanout + " must be between 1 and 32");
        }
        if (energy < 0 || energy > 64) {
            p.add("content.energy: " + energy + " must be between 0 and 64");
        }
        return p;
    }

    public ContentConfig withBudgetBytes(long v) {
        return new ContentConfig(v, maxContentBytes, fanout, energy, dir);
    }

    public ContentConfig withMaxContentBytes(int v) {
        return new ContentConfig(budgetBytes, v, fanout, energy, dir);
    }

    public ContentConfig withFanout(int v) {
        return new ContentConfig(budgetBytes, maxContentBytes, v, energy, dir);
    }

    public ContentConfig withEnergy(int v) {
        return new ContentConfig(budgetBytes, maxContentBytes, fanout, v, dir);
    }

    public ContentConfig withDir(Path v) {
        return new ContentConfig(budgetBytes, maxContentBytes, fanout, energy, v);
    }
}
