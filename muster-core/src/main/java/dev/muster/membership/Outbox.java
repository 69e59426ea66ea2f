package dev.muster.membership;

import dev.muster.Address;
import dev.muster.MemberEvent;
import java.util.List;

/**
 * Where the membership core puts what it produces: packets and stream messages to send, and
 * events. The driver (node runtime or simulator) implements it; the core calls it only from
 * inside {@link Membership}'s methods, on the driver's thread, and never waits for it.
 */
public interface Outbox {

    /**
     * Send one datagram holding these messages, packed to fit {@code maxPacketBytes}.
     *
     * @param payloadBytes the packet's size as the core packed it (protobuf framing included);
     *     a simulator counts it as traffic, a transport may use it to size its buffer
     */
    void sendPacket(Address to, List<Message> messages, int payloadBytes);

    /** Send one message over a reliable stream (push-pull). */
    void sendStream(Address to, Message message);

    /** A member changed. */
    void event(MemberEvent event);
}
