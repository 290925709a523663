package dev.raylightning.core.strategy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.raylightning.core.collective.ProcessGroup;
import dev.raylightning.core.collective.tcp.CollectiveException;
import dev.raylightning.core.collective.tcp.CollectiveException.Reason;
import dev.raylightning.core.collective.tcp.RingOptions;
import dev.raylightning.core.collective.tcp.TcpRingProcessGroup;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The object broadcast of worker strategies: lengths from a peer are bounded before use. */
class ProcessGroupStrategyBroadcastTest {

    private final List<TcpRingProcessGroup> groups = TcpRingProcessGroup.local(2,
            RingOptions.defaults().withCollectiveTimeout(Duration.ofSeconds(5)));

    @AfterEach
    void close() {
        groups.forEach(TcpRingProcessGroup::close);
    }

    private static final class Worker extends ProcessGroupStrategy {
        private static final long serialVersionUID = 1L;

        Worker(ProcessGroup group) {
            super(new RankInfo(group.rank(), group.rank(), 0, group.size(), group.size(), 1), group);
        }
    }

    @Test
    void objectsTravelFromTheRoot() throws Exception {
        CompletableFuture<String> other = CompletableFuture.supplyAsync(() -> new Worker(groups.get(1))
                .broadcast((String) null, 0));
        assertEquals("from zero", new Worker(groups.get(0)).broadcast("from zero", 0));
        assertEquals("from zero", other.get(30, TimeUnit.SECONDS));
    }

    @Test
    void aForgedObjectLengthIsRefusedNamingTheSender() throws Exception {
        int forged = 1 << 30;
        CompletableFuture<Void> liar = CompletableFuture.runAsync(() -> {
            ByteBuffer length = ByteBuffer.allocateDirect(4).order(ByteOrder.nativeOrder());
            length.putInt(0, forged);
            groups.get(0).broadcast(length, 0); // what the strategy sends first: the object's length
        });
        CollectiveException e = assertThrows(CollectiveException.class,
                () -> new Worker(groups.get(1)).broadcast((String) null, 0));
        liar.get(30, TimeUnit.SECONDS);
        assertEquals(0, e.peerRank(), e.getMessage());
        assertEquals(Reason.INVALID, e.reason());
        assertEquals("broadcast", e.operation());
        assertTrue(e.getMessage().contains("rank 0 sent an object length of " + forged + " bytes"), e.getMessage());
        assertTrue(e.getMessage().contains(String.valueOf(ProcessGroupStrategy.DEFAULT_MAX_BROADCAST_BYTES)),
                e.getMessage());
    }
}
