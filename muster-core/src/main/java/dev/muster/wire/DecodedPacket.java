package dev.muster.wire;

import dev.muster.membership.Message;
import java.util.List;

/**
 * What one datagram held. Immutable and thread-safe.
 *
 * @param messages the messages this node understands, in packet order
 * @param skippedUnknown how many messages were skipped because their type id is unknown here,
 *     most likely because the sender runs a newer release that appended a message type; a transport
 *     counts them so an operator can see a mixed-version cluster
 */
public record DecodedPacket(List<Message> messages, int skippedUnknown) {

    public DecodedPacket {
        messages = List.copyOf(messages);
        if (skippedUnknown < 0) {
            throw new IllegalArgumentException("skipped unknown messages (" + skippedUnknown + ") must be >= 0");
        }
    }
}
