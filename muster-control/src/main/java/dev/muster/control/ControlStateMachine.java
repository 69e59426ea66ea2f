package dev.muster.control;

import dev.muster.balance.BalancingStrategy;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.muster.control.proto.Applied;
import dev.muster.control.proto.Command;
import dev.muster.control.proto.Reply;
import dev.muster.control.proto.State;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.apache.ratis.proto.RaftProtos;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftGroupMemberId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.statemachine.impl.SimpleStateMachineStorage;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.apache.ratis.util.LifeCycle;

/**
 * The replicated cluster state as a Ratis state machine: every replica applies the same
 * committed {@link Command}s in the same order, so all hold the same {@link ControlState}.
 *
 * <p><b>Applying</b> is deterministic: it reads only the command and the state. A command whose
 * mutation id was applied before is answered with the version its first application produced and
 * changes nothing, so a writer may retry a write whose answer it lost. The ids of the last
 * {@value #RECENT_IDS} mutations are kept (in snapshots too); a retry comes within seconds, and
 * this many writes take far longer than that.
 *
 * <p><b>Checks that need the world</b> (is the writer a member? is the node a member?) cannot
 * run while applying, since replicas see membership at different moments. The leader runs them
 * once, in {@link #startTransaction}, before the command enters the log; a refused command never
 * reaches the log.
 *
 * <p><b>Snapshots</b>: the whole state in one protobuf file, written when Ratis asks (every
 * {@code snapshotEvery} entries), read at start and after a snapshot was installed from the
 * leader; the log before it is purged once every follower has it.
 *
 * <p>Threading: Ratis applies on its state-machine updater thread, one command at a time; reads
 * ({@link #state()}) take the current immutable value from a volatile field on any thread.
 */
final class ControlStateMachine extends BaseStateMachine {

    /** Mutation ids remembered for duplicate detection. */
    static final int RECENT_IDS = 10_000;

    /** The leader-side checks: null when the command may enter the log, else why not. */
    interface Admission {
        String refuse(Command command);

        /** Null when a read for {@code origin} (the reading node's name) may be answered, else why not. */
        String refuseRead(String origin);
    }

    private final SimpleStateMachineStorage storage = new SimpleStateMachineStorage();
    private final Admission admission;
    private final Runnable leaderChanged;
    private volatile ControlState state = ControlState.INITIAL;
    /** Confined to the applier thread (and to start-up, before it runs). */
    private final LinkedHashMap<String, Long> recent = new LinkedHashMap<>();

    ControlStateMachine(Admission admission, Runnable leaderChanged) {
        this.admission = admission;
        this.leaderChanged = leaderChanged;
    }

    /** The state as this replica last applied it. */
    ControlState state() {
        return state;
    }

    @Override
    public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage raftStorage) throws IOException {
        super.initialize(server, groupId, raftStorage);
        storage.init(raftStorage);
        load(storage.loadLatestSnapshot());
        if (getLifeCycleState() == LifeCycle.State.NEW) {
            getLifeCycle().transition(LifeCycle.State.STARTING);
            getLifeCycle().transition(LifeCycle.State.RUNNING);
        }
    }

    /**
     * Ratis pauses the state machine before it installs a snapshot from the leader (a replica
     * that was down long, or a promoted node), and checks that it is paused before it reloads.
     */
    @Override
    public void pause() {
        if (getLifeCycleState() == LifeCycle.State.RUNNING) {
            getLifeCycle().transition(LifeCycle.State.PAUSING);
            getLifeCycle().transition(LifeCycle.State.PAUSED);
        }
    }

    /** After a snapshot was installed: load it and run again. */
    @Override
    public void reinitialize() throws IOException {
        load(storage.loadLatestSnapshot());
        if (getLifeCycleState() == LifeCycle.State.PAUSED) {
            getLifeCycle().transition(LifeCycle.State.STARTING);
            getLifeCycle().transition(LifeCycle.State.RUNNING);
        }
    }

    @Override
    public SimpleStateMachineStorage getStateMachineStorage() {
        return storage;
    }

    private synchronized void load(SingleFileSnapshotInfo snapshot) throws IOException {
        if (snapshot == null) {
            return;
        }
        File file = snapshot.getFile().getPath().toFile();
        State s;
        try (InputStream in = Files.newInputStream(file.toPath())) {
            s = State.parseFrom(in);
        }
        recent.clear();
        for (Applied a : s.getRecentList()) {
            recent.put(a.getId(), a.getVersion());
        }
        state = fromProto(s);
        updateLastAppliedTermIndex(snapshot.getTerm(), snapshot.getIndex());
    }

    @Override
    public synchronized long takeSnapshot() throws IOException {
        TermIndex last = getLastAppliedTermIndex();
        if (last == null || last.getIndex() < 0) {
            return RaftLogIndex.INVALID;
        }
        State.Builder b = toProto(state).toBuilder();
        recent.forEach((id, version) -> b.addRecent(Applied.newBuilder().setId(id).setVersion(version)));
        File target = storage.getSnapshotFile(last.getTerm(), last.getIndex());
        File tmp = new File(target.getPath() + ".tmp");
        try (OutputStream out = Files.newOutputStream(tmp.toPath())) {
            b.build().writeTo(out);
        }
        Files.move(tmp.toPath(), target.toPath(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        storage.updateLatestSnapshot(new SingleFileSnapshotInfo(
                new org.apache.ratis.server.storage.FileInfo(target.toPath(), null), last));
        return last.getIndex();
    }

    /** Ratis's "no index" value, named here because its own constant lives in an internal class. */
    private static final class RaftLogIndex {
        static final long INVALID = -1;
    }

    @Override
    public TransactionContext startTransaction(RaftClientRequest request) throws IOException {
        TransactionContext trx = super.startTransaction(request);
        String refusal;
        try {
            Command c = Command.parseFrom(request.getMessage().getContent().toByteArray());
            refusal = c.getOpCase() == Command.OpCase.OP_NOT_SET ? "the command names no operation" : admission.refuse(c);
        } catch (InvalidProtocolBufferException e) {
            refusal = "the command is not a valid control command: " + e.getMessage();
        }
        if (refusal != null) {
            // Not an exception on the transaction: Ratis answered a refused write from another
            // node's ordered client only after its request timeout. A refusal entry commits like
            // any other and is answered with the reason, changing nothing.
            Command refused = Command.newBuilder().setRefused(
                    dev.muster.control.proto.Refused.newBuilder().setReason(refusal)).build();
            return TransactionContext.newBuilder().setStateMachine(this).setClientRequest(request)
                    .setLogData(UnsafeByteOperations.unsafeWrap(refused.toByteArray())).build();
        }
        return trx;
    }

    @Override
    public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
        RaftProtos.LogEntryProto entry = trx.getLogEntry();
        Reply reply;
        synchronized (this) {
            reply = apply(entry.getStateMachineLogEntry().getLogData());
            updateLastAppliedTermIndex(entry.getTerm(), entry.getIndex());
        }
        return CompletableFuture.completedFuture(Message.valueOf(UnsafeByteOperations.unsafeWrap(reply.toByteArray())));
    }

    /** Applies one command's bytes to the state: the deterministic part. */
    private Reply apply(ByteString data) {
        Command c;
        try {
            c = Command.parseFrom(data.toByteArray());
        } catch (InvalidProtocolBufferException e) {
            return Reply.newBuilder().setVersion(state.version()).setError("not a control command").build();
        }
        Long before = c.getMutationId().isEmpty() ? null : recent.get(c.getMutationId());
        if (before != null) {
            return Reply.newBuilder().setVersion(before).setDuplicate(true).build();
        }
        ControlState s = state;
        ControlState next;
        try {
            next = Transitions.apply(s, c);
        } catch (IllegalArgumentException e) {
            return Reply.newBuilder().setVersion(s.version()).setError(e.getMessage()).build();
        }
        state = next;
        if (!c.getMutationId().isEmpty()) {
            recent.put(c.getMutationId(), next.version());
            if (recent.size() > RECENT_IDS) {
                Iterator<String> oldest = recent.keySet().iterator();
                oldest.next();
                oldest.remove();
            }
        }
        return Reply.newBuilder().setVersion(next.version()).build();
    }

    /** Answers a read; the request's content is the reading node's name. */
    @Override
    public CompletableFuture<Message> query(Message request) {
        String refusal = admission.refuseRead(request.getContent().toStringUtf8());
        if (refusal != null) {
            return CompletableFuture.failedFuture(new IOException(refusal));
        }
        return CompletableFuture.completedFuture(Message.valueOf(
                UnsafeByteOperations.unsafeWrap(toProto(state).toByteArray())));
    }

    @Override
    public void notifyLeaderChanged(RaftGroupMemberId groupMemberId, RaftPeerId newLeaderId) {
        leaderChanged.run();
    }

    static State toProto(ControlState s) {
        return Transitions.toProto(s);
    }

    static ControlState fromProto(State s) {
        return Transitions.fromProto(s);
    }
}
