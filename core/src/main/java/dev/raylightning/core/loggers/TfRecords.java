package dev.raylightning.core.loggers;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;

/**
 * TFRecord framing: {@code uint64 length | masked crc32c(length) | payload | masked
 * crc32c(payload)}, all little-endian. TensorBoard rejects records whose checksums do not match.
 */
final class TfRecords {

    /** Header: 8 length bytes plus their 4-byte checksum. */
    static final int HEADER_BYTES = 12;
    /** Trailer: the payload's 4-byte checksum. */
    static final int FOOTER_BYTES = 4;

    private static final int MASK_DELTA = 0xa282ead8;

    private TfRecords() {}

    /** Frames one payload onto the stream. */
    static void write(OutputStream out, byte[] payload) throws IOException {
        ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        header.putLong(payload.length);
        header.putInt(maskedCrc32c(header.array(), 0, 8));
        out.write(header.array());
        out.write(payload);
        ByteBuffer footer = ByteBuffer.allocate(FOOTER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        footer.putInt(maskedCrc32c(payload, 0, payload.length));
        out.write(footer.array());
    }

    /**
     * CRC32C of the bytes, masked as TFRecord requires (rotate right by 15, add a constant) so a
     * checksum stored inside checksummed data does not weaken it.
     */
    static int maskedCrc32c(byte[] data, int offset, int length) {
        CRC32C crc = new CRC32C();
        crc.update(data, offset, length);
        int c = (int) crc.getValue();
        return ((c >>> 15) | (c << 17)) + MASK_DELTA;
    }
}
