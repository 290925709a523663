package dev.raylightning.core.loggers;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * Test-side TFRecord reader that checks both checksums of every record. The masking is
 * re-implemented here rather than borrowed from {@link TfRecords}, so a bug there cannot hide.
 */
final class TfRecordReader {

    /** A record whose length or payload checksum does not match, or a truncated file. */
    static final class CorruptRecordException extends IOException {
        private static final long serialVersionUID = 1L;

        CorruptRecordException(String message) {
            super(message);
        }
    }

    private TfRecordReader() {}

    static List<byte[]> readAll(Path file) throws IOException {
        return readAll(Files.readAllBytes(file));
    }

    static List<byte[]> readAll(byte[] data) throws IOException {
        ByteBuffer in = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        List<byte[]> records = new ArrayList<>();
        while (in.hasRemaining()) {
            if (in.remaining() < 12) {
                throw new CorruptRecordException("truncated header at " + in.position());
            }
            int start = in.position();
            long length = in.getLong();
            int lengthCrc = in.getInt();
            if (lengthCrc != mask(crc32c(Arrays.copyOfRange(data, start, start + 8)))) {
                throw new CorruptRecordException("length checksum mismatch at " + start);
            }
            if (length < 0 || length > in.remaining() - 4) {
                throw new CorruptRecordException("truncated payload at " + start);
            }
            byte[] payload = new byte[(int) length];
            in.get(payload);
            int payloadCrc = in.getInt();
            if (payloadCrc != mask(crc32c(payload))) {
                throw new CorruptRecordException("payload checksum mismatch at " + start);
            }
            records.add(payload);
        }
        return records;
    }

    static int crc32c(byte[] bytes) {
        CRC32C crc = new CRC32C();
        crc.update(bytes);
        return (int) crc.getValue();
    }

    static int mask(int crc) {
        return Integer.rotateRight(crc, 15) + 0xa282ead8;
    }
}
