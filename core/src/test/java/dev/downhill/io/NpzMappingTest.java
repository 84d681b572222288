package dev.downhill.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.Precision;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link NpzReader#mapCsr}: what NpzWriter writes maps, entry for entry as it reads; what cannot be mapped says why. */
class NpzMappingTest {
    @TempDir
    Path dir;

    /** A random sparse row source (about a quarter of the entries stored), the same rows every time asked. */
    private static NpzWriter.RowSource rows(long seed, int n) {
        return (i, columns, values) -> {
            SplittableRandom r = new SplittableRandom(seed + i);
            int k = 0;
            for (int j = 0; j < n; j++) {
                if (r.nextInt(4) == 0) {
                    columns[k] = j;
                    values[k++] = r.nextGaussian() * Math.scalb(1.0, r.nextInt(-20, 20));
                }
            }
            return k;
        };
    }

    private static void assertSameEntries(CsrMatrix expected, CsrMatrix actual) {
        assertEquals(expected.rows(), actual.rows());
        assertEquals(expected.cols(), actual.cols());
        assertEquals(expected.nonZeros(), actual.nonZeros());
        assertEquals(expected.precision(), actual.precision());
        for (long i = 0; i < expected.rows(); i++) {
            assertEquals(expected.rowPointers().get(i + 1), actual.rowPointers().get(i + 1), "row pointer " + (i + 1));
        }
        for (long k = 0; k < expected.nonZeros(); k++) {
            assertEquals(expected.columnIndices().get(k), actual.columnIndices().get(k), "column index " + k);
        }
        for (long i = 0; i < expected.rows(); i++) {
            for (long j = 0; j < expected.cols(); j++) {
                assertEquals(Double.doubleToLongBits(expected.get(i, j)), Double.doubleToLongBits(actual.get(i, j)), i + ", " + j);
            }
        }
    }

    /**
     * One flipped bit in a stored member — the lowest mantissa bit of a value, or the lowest bit of a column index that
     * stays in range: every value still finite, every index valid — is refused by the member's CRC-32, read or mapped,
     * as NumPy's zipfile refuses it.
     */
    @Test
    void aCorruptedStoredMemberIsRefusedByItsCrc() throws Exception {
        int n = 17;
        for (String name : new String[] {"data.npy", "indices.npy"}) {
            Path f = dir.resolve("corrupt-" + name + ".npz");
            NpzWriter.write(f, 31, n, Precision.FLOAT64, rows(5, n));
            ZipDirectory.Member member = ZipDirectory.read(f).get(name);
            byte[] bytes = Files.readAllBytes(f);
            int element = name.equals("data.npy") ? 8 : 4;
            int at = (int) (member.dataStart() + member.size() - element); // the last element's lowest byte (little-endian)
            while (name.equals("indices.npy") && (bytes[at] ^ 1) >= n) {
                at -= element;
            }
            bytes[at] ^= 1;
            Files.write(f, bytes);
            for (boolean mapped : new boolean[] {false, true}) {
                MalformedFileException e = assertThrows(MalformedFileException.class,
                        () -> (mapped ? NpzReader.mapCsr(f) : NpzReader.readCsr(f)).close(), name + (mapped ? " mapped" : " read"));
                assertTrue(e.getMessage().contains(name + " is corrupted"), e.getMessage());
            }
        }
    }

    /** A corrupted .npy header inside a member (its shape's first digit changed) is named as corruption, not as a shape. */
    @Test
    void aCorruptedMemberHeaderIsNamedAsCorruption() throws Exception {
        Path f = dir.resolve("corrupt-header.npz");
        NpzWriter.write(f, 31, 17, Precision.FLOAT64, rows(5, 17));
        ZipDirectory.Member member = ZipDirectory.read(f).get("data.npy");
        byte[] bytes = Files.readAllBytes(f);
        String header = new String(bytes, (int) member.dataStart(), 128, java.nio.charset.StandardCharsets.ISO_8859_1);
        int at = (int) member.dataStart() + header.indexOf("'shape': (") + "'shape': (".length();
        bytes[at] = (byte) (bytes[at] == '9' ? '1' : bytes[at] + 1);
        Files.write(f, bytes);
        for (boolean mapped : new boolean[] {false, true}) {
            MalformedFileException e = assertThrows(MalformedFileException.class,
                    () -> (mapped ? NpzReader.mapCsr(f) : NpzReader.readCsr(f)).close(), mapped ? "mapped" : "read");
            assertTrue(e.getMessage().contains("data.npy is corrupted"), e.getMessage());
        }
    }

    @Test
    void whatNpzWriterWritesIsStoredAlignedAndMapsAsItReads() throws Exception {
        for (Precision p : Precision.values()) {
            Path f = dir.resolve("w-" + p + ".npz");
            NpzWriter.write(f, 57, 23, p, rows(3, 23));
            Map<String, ZipDirectory.Member> members = ZipDirectory.read(f);
            for (String name : new String[] {"indices.npy", "indptr.npy", "data.npy", "shape.npy", "format.npy"}) {
                ZipDirectory.Member m = members.get(name);
                assertTrue(m.stored(), name + " stored");
                assertEquals(0, m.dataStart() % NpzWriter.ALIGNMENT, name + " aligned at " + m.dataStart());
            }
            NpzReader.Size size = NpzReader.csrSize(f);
            try (CsrMatrix read = NpzReader.readCsr(f); CsrMatrix mapped = NpzReader.mapCsr(f)) {
                assertFalse(read.isMapped());
                assertTrue(mapped.isMapped());
                assertEquals(new NpzReader.Size(57, 23, read.nonZeros(), p), size);
                assertSameEntries(read, mapped);
            }
        }
    }

    @Test
    void compressedConvertedAndCscFilesAreValidButNotMappable() throws URISyntaxException {
        // SciPy's own files (committed): save_npz(X) deflated, and a stored CSC matrix
        Path deflated = Path.of(NpzMappingTest.class.getResource("/npz/csr.npz").toURI());
        Path csc = Path.of(NpzMappingTest.class.getResource("/npz/csc32.npz").toURI());
        NpzReader.NotMappableException e = assertThrows(NpzReader.NotMappableException.class, () -> NpzReader.mapCsr(deflated));
        assertTrue(e.getMessage().contains("compressed"), e.getMessage());
        assertSaysSciPyFilesAreRead(e);
        e = assertThrows(NpzReader.NotMappableException.class, () -> NpzReader.mapCsr(csc));
        assertTrue(e.getMessage().contains("'csc'"), e.getMessage());
        assertSaysSciPyFilesAreRead(e);
        // what the advice used to send users to, save_npz(path, X, compressed=False) (committed, SciPy 1.10): NumPy puts
        // indices.npy's data at byte 189, never int32-aligned; refused again, it must not send them round once more
        Path stored = Path.of(NpzMappingTest.class.getResource("/npz/csr-stored.npz").toURI());
        e = assertThrows(NpzReader.NotMappableException.class, () -> NpzReader.mapCsr(stored));
        assertTrue(e.getMessage().contains("indices.npy's data starts at byte 189, not a multiple of 4"), e.getMessage());
        assertSaysSciPyFilesAreRead(e);
        try (CsrMatrix x = NpzReader.readCsr(stored)) { // read, as the message says
            assertEquals(-2, x.get(0, 2));
            assertEquals(0.5, x.get(3, 3));
        }
    }

    /** The refusal of a SciPy file says what works (read it), never "save it with save_npz(…, compressed=False)" (a loop). */
    private static void assertSaysSciPyFilesAreRead(NpzReader.NotMappableException e) {
        String m = e.getMessage();
        assertTrue(m.contains("read it into memory instead (readCsr)") && m.contains("save_npz files are never mappable")
                && m.contains("downhill gen --density ... --format npz"), m);
        assertTrue(!m.contains("save it with"), m);
    }

    @Test
    void unalignedAndNonCanonicalStoredFilesAreRefusedWithTheReason() throws Exception {
        long[] indptr = {0, 2, 3};
        int[] indices = {0, 2, 1};
        double[] data = {1.5, -2, 4};
        int unaligned = 0;
        for (int shift = 1; shift < 8; shift++) { // stored entries shifted off the 8-byte grid
            Path f = dir.resolve("unaligned" + shift + ".npz");
            writeStored(f, indptr, indices, data, shift);
            long start = ZipDirectory.read(f).get("data.npy").dataStart() + NpyHeader.encodeRaw("<f8", new long[] {data.length}).length;
            if (start % 8 == 0) {
                continue;
            }
            unaligned++;
            NpzReader.NotMappableException e = assertThrows(NpzReader.NotMappableException.class, () -> NpzReader.mapCsr(f));
            assertTrue(e.getMessage().contains("not a multiple of"), e.getMessage());
            try (CsrMatrix x = NpzReader.readCsr(f)) { // still readable
                assertEquals(-2, x.get(0, 2));
            }
        }
        assertTrue(unaligned >= 6, "shifts 1..7 put the values off the 8-byte grid at least 6 times: " + unaligned);
        Path unsorted = dir.resolve("unsorted.npz");
        NpzWriter.write(unsorted, 2, 4, Precision.FLOAT64, (i, columns, values) -> {
            columns[0] = 3;
            columns[1] = 1;
            values[0] = 1;
            values[1] = 2;
            return 2;
        });
        NpzReader.NotMappableException e = assertThrows(NpzReader.NotMappableException.class, () -> NpzReader.mapCsr(unsorted));
        assertTrue(e.getMessage().contains("must be sorted") && e.getMessage().contains("mapping cannot be changed"), e.getMessage());
        try (CsrMatrix x = NpzReader.readCsr(unsorted)) { // reading puts it in canonical form
            assertEquals(2, x.get(1, 1));
        }
    }

    /** A CSR .npz with every entry stored and {@code shift} bytes of padding in front of the first one. */
    private static void writeStored(Path f, long[] indptr, int[] indices, double[] data, int shift) throws Exception {
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(f))) {
            if (shift > 0) {
                putStored(zip, "pad", new byte[shift]);
            }
            ByteBuffer ip = ByteBuffer.allocate(8 * indptr.length).order(ByteOrder.LITTLE_ENDIAN);
            for (long v : indptr) {
                ip.putLong(v);
            }
            ByteBuffer ix = ByteBuffer.allocate(4 * indices.length).order(ByteOrder.LITTLE_ENDIAN);
            for (int v : indices) {
                ix.putInt(v);
            }
            ByteBuffer d = ByteBuffer.allocate(8 * data.length).order(ByteOrder.LITTLE_ENDIAN);
            for (double v : data) {
                d.putDouble(v);
            }
            ByteBuffer shape = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(indptr.length - 1).putLong(3);
            putStored(zip, "format.npy", concat(NpyHeader.encodeRaw("|S3", new long[0]), "csr".getBytes()));
            putStored(zip, "shape.npy", concat(NpyHeader.encodeRaw("<i8", new long[] {2}), shape.array()));
            putStored(zip, "indptr.npy", concat(NpyHeader.encodeRaw("<i8", new long[] {indptr.length}), ip.array()));
            putStored(zip, "indices.npy", concat(NpyHeader.encodeRaw("<i4", new long[] {indices.length}), ix.array()));
            putStored(zip, "data.npy", concat(NpyHeader.encodeRaw("<f8", new long[] {data.length}), d.array()));
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] c = new byte[a.length + b.length];
        System.arraycopy(a, 0, c, 0, a.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    private static void putStored(ZipOutputStream zip, String name, byte[] bytes) throws Exception {
        ZipEntry e = new ZipEntry(name);
        e.setMethod(ZipEntry.STORED);
        e.setSize(bytes.length);
        e.setCompressedSize(bytes.length);
        CRC32 crc = new CRC32();
        crc.update(bytes);
        e.setCrc(crc.getValue());
        zip.putNextEntry(e);
        zip.write(bytes);
        zip.closeEntry();
    }
}
