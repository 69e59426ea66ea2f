package dev.muster.content;

/**
 * The outcome of an inject.
 *
 * @param info the entry on the injecting node
 * @param duplicate true when this node held the content already: nothing new was stored or spread
 */
public record Injected(ContentInfo info, boolean duplicate) {

    public Digest digest() {
        return info.digest();
    }
}
