package dev.raylightning.core.checkpoint;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * Writes ZIP archives field by field, so tests can make entries that lie: a declared size or
 * CRC that differs from the data, or compressed data that inflates far beyond its size.
 */
final class RawZip {

    /** One entry as stored: its compressed bytes and what its headers declare. */
    record Entry(String name, byte[] deflated, long crc, long declaredSize) {

        /** An honest entry for {@code data}. */
        static Entry of(String name, byte[] data) {
            CRC32 crc = new CRC32();
            crc.update(data);
            return new Entry(name, deflate(data), crc.getValue(), data.length);
        }

        Entry withDeclaredSize(long size) {
            return new Entry(name, deflated, crc, size);
        }

        Entry withCrc(long newCrc) {
            return new Entry(name, deflated, newCrc, declaredSize);
        }
    }

    private RawZip() {}

    static byte[] build(List<Entry> entries) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        List<Integer> offsets = new ArrayList<>();
        for (Entry e : entries) {
            offsets.add(out.size());
            byte[] name = e.name().getBytes(StandardCharsets.UTF_8);
            ByteBuffer h = le(30 + name.length);
            h.putInt(0x04034b50).putShort((short) 20).putShort((short) 0).putShort((short) 8).putInt(0)
                    .putInt((int) e.crc()).putInt(e.deflated().length).putInt((int) e.declaredSize())
                    .putShort((short) name.length).putShort((short) 0).put(name);
            out.writeBytes(h.array());
            out.writeBytes(e.deflated());
        }
        int cenStart = out.size();
        for (int i = 0; i < entries.size(); i++) {
            Entry e = entries.get(i);
            byte[] name = e.name().getBytes(StandardCharsets.UTF_8);
            ByteBuffer h = le(46 + name.length);
            h.putInt(0x02014b50).putShort((short) 20).putShort((short) 20).putShort((short) 0).putShort((short) 8)
                    .putInt(0).putInt((int) e.crc()).putInt(e.deflated().length).putInt((int) e.declaredSize())
                    .putShort((short) name.length).putShort((short) 0).putShort((short) 0).putShort((short) 0)
                    .putShort((short) 0).putInt(0).putInt(offsets.get(i)).put(name);
            out.writeBytes(h.array());
        }
        int cenSize = out.size() - cenStart;
        ByteBuffer end = le(22);
        end.putInt(0x06054b50).putShort((short) 0).putShort((short) 0).putShort((short) entries.size())
                .putShort((short) entries.size()).putInt(cenSize).putInt(cenStart).putShort((short) 0);
        out.writeBytes(end.array());
        return out.toByteArray();
    }

    /** Raw deflate, as ZIP stores it. */
    static byte[] deflate(byte[] data) {
        Deflater d = new Deflater(1, true);
        try {
            d.setInput(data);
            d.finish();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buf = new byte[1 << 16];
            while (!d.finished()) {
                out.write(buf, 0, d.deflate(buf));
            }
            return out.toByteArray();
        } finally {
            d.end();
        }
    }

    /**
     * A zip bomb: deflate data of about two bytes per KiB that inflates to {@code mebibytes} MiB
     * of zeros (one flushed block for 1 MiB, repeated, then an empty final block).
     */
    static Entry zeros(String name, int mebibytes) {
        byte[] zeros = new byte[1 << 20];
        Deflater d = new Deflater(9, true);
        ByteArrayOutputStream block = new ByteArrayOutputStream();
        ByteArrayOutputStream last = new ByteArrayOutputStream();
        try {
            d.setInput(zeros);
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = d.deflate(buf, 0, buf.length, Deflater.FULL_FLUSH)) > 0) {
                block.write(buf, 0, n);
            }
            d.finish();
            while (!d.finished()) {
                last.write(buf, 0, d.deflate(buf));
            }
        } finally {
            d.end();
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        CRC32 crc = new CRC32();
        for (int i = 0; i < mebibytes; i++) {
            out.writeBytes(block.toByteArray());
            crc.update(zeros);
        }
        out.writeBytes(last.toByteArray());
        return new Entry(name, out.toByteArray(), crc.getValue(), (long) mebibytes << 20);
    }

    private static ByteBuffer le(int size) {
        return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    }
}
