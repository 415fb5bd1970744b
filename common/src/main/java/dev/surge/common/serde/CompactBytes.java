package dev.surge.common.serde;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The primitives of Surge's compact record format: unsigned variable-length integers (7 bits a byte, low bits first,
 * as Protocol Buffers and Kafka's record format write them) and strings as a length then UTF-8 bytes (length + 1, so
 * that 0 is null). A {@link Reader} refuses anything that runs past the end or declares more than is left, so bad
 * bytes fail with a message instead of a huge allocation.
 */
public final class CompactBytes {
    private CompactBytes() {
    }

    /** A growing byte array to write one record into. */
    public static final class Writer {
        private byte[] bytes;
        private int size;

        public Writer(int expectedSize) {
            bytes = new byte[Math.max(16, expectedSize)];
        }

        public Writer write(int b) {
            ensure(1);
            bytes[size++] = (byte) b;
            return this;
        }

        /** An unsigned variable-length integer (a negative value is read back as itself but takes 10 bytes). */
        public Writer varlong(long value) {
            ensure(10);
            while ((value & ~0x7FL) != 0) {
                bytes[size++] = (byte) ((value & 0x7F) | 0x80);
                value >>>= 7;
            }
            bytes[size++] = (byte) value;
            return this;
        }

        /** Any long, zigzag-encoded (small magnitudes of either sign take few bytes). */
        public Writer signedVarlong(long value) {
            return varlong((value << 1) ^ (value >> 63));
        }

        /** A string, or null. */
        public Writer string(String value) {
            if (value == null) {
                return varlong(0);
            }
            int length = value.length();
            boolean ascii = true;
            for (int i = 0; i < length && ascii; i++) {
                ascii = value.charAt(i) < 0x80;
            }
            if (!ascii) {
                byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
                varlong(utf8.length + 1L);
                ensure(utf8.length);
                System.arraycopy(utf8, 0, bytes, size, utf8.length);
                size += utf8.length;
                return this;
            }
            varlong(length + 1L);
            ensure(length);
            for (int i = 0; i < length; i++) {
                bytes[size++] = (byte) value.charAt(i);
            }
            return this;
        }

        public byte[] toByteArray() {
            return Arrays.copyOf(bytes, size);
        }

        private void ensure(int more) {
            if (size + more > bytes.length) {
                bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + more));
            }
        }
    }

    /** Reads what a {@link Writer} wrote; every method throws {@link IllegalArgumentException} on bad bytes. */
    public static final class Reader {
        private final byte[] bytes;
        private int position;

        public Reader(byte[] bytes) {
            this.bytes = bytes;
        }

        public int read() {
            if (position >= bytes.length) {
                throw new IllegalArgumentException("the record ends early, at byte " + position);
            }
            return bytes[position++] & 0xFF;
        }

        public long varlong() {
            long value = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                int b = read();
                value |= (long) (b & 0x7F) << shift;
                if ((b & 0x80) == 0) {
                    return value;
                }
            }
            throw new IllegalArgumentException("a compact integer at byte " + position + " runs past 10 bytes");
        }

        public long signedVarlong() {
            long raw = varlong();
            return (raw >>> 1) ^ -(raw & 1);
        }

        /** A varlong that is a count of items that follow, each at least one byte: at most what is left. */
        public int count() {
            long count = varlong();
            if (count < 0 || count > bytes.length - position) {
                throw new IllegalArgumentException("the record declares " + count + " items but has "
                        + (bytes.length - position) + " bytes left");
            }
            return (int) count;
        }

        /** A varlong that fits an int. */
        public int varint() {
            long value = varlong();
            if (value < 0 || value > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("a compact integer at byte " + position + " is beyond an int");
            }
            return (int) value;
        }

        public String string() {
            long length = varlong();
            if (length == 0) {
                return null;
            }
            if (length < 0 || length - 1 > bytes.length - position) {
                throw new IllegalArgumentException("a string of " + (length - 1) + " bytes at byte " + position
                        + " runs past the record's end");
            }
            String value = new String(bytes, position, (int) (length - 1), StandardCharsets.UTF_8);
            position += (int) (length - 1);
            return value;
        }

        /** Throws unless every byte was read. */
        public void end() {
            if (position != bytes.length) {
                throw new IllegalArgumentException((bytes.length - position) + " bytes follow the record's end");
            }
        }
    }
}
