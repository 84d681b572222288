package dev.downhill.io;

import dev.downhill.Precision;
import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.Pointer;

/**
 * Reads a sparse matrix saved by SciPy's {@code scipy.sparse.save_npz} — a zip (deflated or stored) of
 * {@code format.npy} ({@code 'csr'} or {@code 'csc'}), {@code shape.npy} (m, n), {@code indptr.npy},
 * {@code indices.npy} (int32 or int64) and {@code data.npy} (float32, float64, int32 or int64) — into a
 * {@link CsrMatrix}; or a {@code 'coo'} file ({@code row.npy}, {@code col.npy}, {@code data.npy}: what
 * {@code scipy.sparse.random} makes by default), converted as {@code X.tocsr()} would ({@link #readCoo}). Each array is streamed from its zip entry into off-heap memory of its final size (never the
 * Java heap); a CSC file is converted to CSR (a counting sort by row: one more set of arrays of the same size, the
 * CSC ones freed after). Values keep the data's precision (float32 for {@code <f4}, float64 otherwise) unless one
 * is asked for.
 *
 * <p>Rows (columns for CSC) whose indices are unsorted or repeated — what SciPy's column indexing and arithmetic
 * leave, {@code has_canonical_format == False} — are put in canonical form while reading, as SciPy's
 * {@code X.sum_duplicates()} would: sorted, duplicates summed (logged at info level). Then the rules of
 * {@link CsrMatrix}: indices in range, finite values, monotone pointers. Errors name the file and the entry
 * ({@link MalformedFileException}). Other sparse formats ({@code bsr}, {@code dia}, …) are refused with the
 * conversion to make. Thread-safe (no state).
 */
public final class NpzReader {
    private static final int CHUNK = 1 << 20;

    private NpzReader() {
    }

    /** Reads {@code file} in the data's own precision. */
    public static CsrMatrix readCsr(Path file) {
        return readCsr(file, null);
    }

    /** Reads {@code file}, values converted to {@code precision} (null: the data's own). The caller closes the result. */
    public static CsrMatrix readCsr(Path file, Precision precision) {
        if (java.nio.file.Files.exists(file) && !java.nio.file.Files.isRegularFile(file)) {
            throw new IllegalArgumentException(file + " is not a regular file (a pipe or a device?): an .npz is a zip, read with "
                    + "random access; save it to a file first");
        }
        try (ZipFile zip = new ZipFile(file.toFile())) {
            String format = checkFormat(zip, file);
            if (format.equals("coo")) {
                return readCoo(zip, file, precision);
            }
            boolean csr = format.equals("csr");
            long[] shape = smallIntegers(zip, file, "shape.npy", 2);
            long rows = shape[0];
            long cols = shape[1];
            if (rows < 0 || cols < 0 || cols > Integer.MAX_VALUE || !csr && rows > Integer.MAX_VALUE) {
                throw new MalformedFileException(file, "shape (" + rows + ", " + cols + ") is not supported (the column count, "
                        + "and for CSC the row count, must be below 2^31)");
            }
            long major = csr ? rows : cols;
            Header dataHeader = header(zip, file, "data.npy");
            Precision p = precision != null ? precision : dataHeader.dtype == NpyDtype.FLOAT32 ? Precision.FLOAT32 : Precision.FLOAT64;
            LongPointer pointers = null;
            IntPointer indices = null;
            Pointer values = null;
            try {
                pointers = readPointers(zip, file, major + 1);
                indices = readIndices(zip, file, "indices.npy", pointers.get(major), csr ? cols : rows);
                LongPointer majors = pointers;
                IntPointer minors = indices;
                values = readValues(zip, file, pointers.get(major), p, "indptr says", k -> place(majors, minors, csr, k));
                canonical(file, csr ? rows : cols, pointers, indices, values, p, csr);
                if (csr) {
                    try {
                        CsrMatrix.validate(rows, cols, pointers, indices, values, p);
                    } catch (IllegalArgumentException e) {
                        throw new MalformedFileException(file, e.getMessage() + hint(e));
                    }
                    CsrMatrix m = new CsrMatrix(rows, cols, p, pointers, indices, values);
                    pointers = null; // owned by the matrix now
                    indices = null;
                    values = null;
                    return m;
                }
                return transpose(file, rows, cols, p, pointers, indices, values);
            } finally {
                for (Pointer q : new Pointer[] {pointers, indices, values}) {
                    if (q != null) {
                        q.close();
                    }
                }
            }
        } catch (ZipException e) {
            throw corruptedOr(file, new MalformedFileException(file, "not a readable .npz (zip) file: " + e.getMessage()));
        } catch (IOException e) {
            throw corruptedOr(file, ReadFailure.of(file, e));
        } catch (MalformedFileException e) {
            throw corruptedOr(file, e);
        }
    }

    /** The format ("csr", "csc" or "coo"); other formats (bsr, dia, …) are refused with the conversion to make. */
    private static String checkFormat(ZipFile zip, Path file) throws IOException {
        String format = text(zip, file, "format.npy");
        if (!format.equals("csr") && !format.equals("csc") && !format.equals("coo")) {
            throw new MalformedFileException(file, "sparse format '" + format + "' is not supported: save it with "
                    + "scipy.sparse.save_npz(path, X.tocsr())");
        }
        return format;
    }

    /**
     * {@code failure}, unless a member of {@code file} is corrupted — its bytes do not match the CRC-32 the zip records,
     * or a compressed member does not inflate — which is then what the exception says (a corrupted header or a corrupted
     * deflate stream otherwise surfaces as a parse error, a shape mismatch or a zlib message). Reads every member once,
     * on this error path only.
     */
    private static RuntimeException corruptedOr(Path file, RuntimeException failure) {
        try (ZipFile zip = new ZipFile(file.toFile())) {
            var entries = zip.entries();
            byte[] buffer = new byte[1 << 16];
            while (entries.hasMoreElements()) {
                ZipEntry e = entries.nextElement();
                java.util.zip.CRC32 crc = new java.util.zip.CRC32();
                String why = null;
                try (InputStream in = new java.util.zip.CheckedInputStream(zip.getInputStream(e), crc)) {
                    while (in.read(buffer) >= 0) {
                        // into the checksum
                    }
                } catch (IOException bad) {
                    why = "it does not inflate (" + bad.getMessage() + ")";
                }
                if (why == null && e.getCrc() >= 0 && crc.getValue() != e.getCrc()) {
                    why = "the CRC-32 of its bytes is not the one the zip records";
                }
                if (why != null) {
                    MalformedFileException corrupted = new MalformedFileException(file, e.getName() + " is corrupted: " + why);
                    corrupted.addSuppressed(failure);
                    return corrupted;
                }
            }
        } catch (IOException | RuntimeException unreadable) {
            failure.addSuppressed(unreadable);
        }
        return failure;
    }

    /**
     * What {@link #csrSize} reads: the shape, the non-zeros and the values' own precision.
     */
    public record Size(long rows, long cols, long nonZeros, Precision precision) {
        /** Bytes of the CSR arrays in memory with values in {@code values}: (m + 1)·8 + nnz·(4 + value bytes). */
        public long bytes(Precision values) {
            return (rows + 1) * 8 + nonZeros * (4L + values.bytes());
        }
    }

    /** The size of {@code file}'s matrix from its headers alone (no array is read). */
    public static Size csrSize(Path file) {
        try (ZipFile zip = new ZipFile(file.toFile())) {
            checkFormat(zip, file);
            long[] shape = smallIntegers(zip, file, "shape.npy", 2);
            Header data = header(zip, file, "data.npy");
            if (data.shape.length != 1) {
                throw new MalformedFileException(file, "data.npy has shape " + NpyHeader.shapeText(data.shape) + ", not one dimension");
            }
            return new Size(shape[0], shape[1], data.shape[0], data.dtype == NpyDtype.FLOAT32 ? Precision.FLOAT32 : Precision.FLOAT64);
        } catch (ZipException e) {
            throw corruptedOr(file, new MalformedFileException(file, "not a readable .npz (zip) file: " + e.getMessage()));
        } catch (IOException e) {
            throw corruptedOr(file, ReadFailure.of(file, e));
        } catch (MalformedFileException e) {
            throw corruptedOr(file, e);
        }
    }

    /** Why a file cannot be mapped (it can still be read): the message says why and what would make it mappable. */
    public static final class NotMappableException extends IllegalArgumentException {
        NotMappableException(Path file, String why) {
            super(file + " cannot be memory-mapped: " + why);
        }
    }

    /**
     * Maps {@code file} instead of reading it, as {@link MappedNpy} maps a dense .npy: the column indices and the values
     * stay in the file (read-only, paged in as passes read them, dropped under memory pressure) and only the row pointers
     * (m + 1 int64) are read into memory. The result is an ordinary {@link CsrMatrix} — every backend and pass reads it as
     * it reads one in memory, with the same results; closing it unmaps the file. Checked as {@link #readCsr} checks (one
     * pass over the mapped entries).
     *
     * <p>What can be mapped: a CSR file whose {@code indices.npy} (int32) and {@code data.npy} (float32 or float64, kept in
     * that precision) are stored uncompressed — what {@link NpzWriter} writes — with each array's data aligned to its element size in the file ({@link NpzWriter} aligns
     * them to 64 bytes; NumPy does not align zip members, and SciPy's {@code save_npz} files, even with
     * {@code compressed=False}, put {@code indices.npy}'s data at an odd offset: they are never mappable, read them with
     * {@link #readCsr}), and every row canonical (sorted, no duplicates: a mapping cannot be fixed in place).
     *
     * @throws NotMappableException when the file is valid but cannot be mapped (the message says why); read it instead
     */
    public static CsrMatrix mapCsr(Path file) {
        String failure = dev.downhill.nativeio.NativeFiles.probe();
        if (failure != null) {
            throw new NotMappableException(file, "the native file-mapping helper (downhill-native-io) cannot load: " + failure);
        }
        if (java.nio.ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
            throw new NotMappableException(file, "memory-mapped .npz needs a little-endian machine");
        }
        long rows;
        long cols;
        Header indicesHeader;
        Header dataHeader;
        LongPointer pointers;
        try (ZipFile zip = new ZipFile(file.toFile())) {
            String format = text(zip, file, "format.npy");
            if (!format.equals("csr")) {
                throw new NotMappableException(file, "it holds a '" + format + "' matrix, which is converted to CSR while reading; "
                        + "read it into memory instead (readCsr): SciPy's save_npz files are never mappable, even as CSR with "
                        + "compressed=False (NumPy puts indices.npy's data at an odd offset); mapping needs members stored "
                        + "uncompressed and aligned, as NpzWriter and downhill gen --density ... --format npz write them");
            }
            long[] shape = smallIntegers(zip, file, "shape.npy", 2);
            rows = shape[0];
            cols = shape[1];
            if (rows < 0 || cols < 0 || cols > Integer.MAX_VALUE) {
                throw new MalformedFileException(file, "shape (" + rows + ", " + cols + ") is not supported (the column count "
                        + "must be below 2^31)");
            }
            indicesHeader = header(zip, file, "indices.npy");
            dataHeader = header(zip, file, "data.npy");
            pointers = readPointers(zip, file, rows + 1);
        } catch (ZipException e) {
            throw corruptedOr(file, new MalformedFileException(file, "not a readable .npz (zip) file: " + e.getMessage()));
        } catch (IOException e) {
            throw corruptedOr(file, ReadFailure.of(file, e));
        } catch (MalformedFileException e) {
            throw corruptedOr(file, e);
        }
        FileMapping mapping = null;
        try {
            long nnz = pointers.get(rows);
            if (indicesHeader.dtype != NpyDtype.INT32) {
                throw new NotMappableException(file, "its column indices are " + indicesHeader.descr + ", not int32 (they are "
                        + "converted while reading)");
            }
            if (dataHeader.dtype != NpyDtype.FLOAT32 && dataHeader.dtype != NpyDtype.FLOAT64) {
                throw new NotMappableException(file, "its values are " + dataHeader.descr + ", not float32 or float64 (they are "
                        + "converted while reading)");
            }
            for (Header h : new Header[] {indicesHeader, dataHeader}) {
                if (h.shape.length != 1 || h.shape[0] != nnz) {
                    throw new MalformedFileException(file, (h == dataHeader ? "data.npy" : "indices.npy") + " has shape "
                            + NpyHeader.shapeText(h.shape) + " but indptr says " + nnz + " non-zeros");
                }
            }
            Map<String, ZipDirectory.Member> members = ZipDirectory.read(file);
            long[] starts = new long[2];
            String[] names = {"indices.npy", "data.npy"};
            Header[] headers = {indicesHeader, dataHeader};
            for (int k = 0; k < 2; k++) {
                ZipDirectory.Member member = members.get(names[k]);
                if (!member.stored()) {
                    throw new NotMappableException(file, names[k] + " is " + (member.encrypted() ? "encrypted" : "compressed")
                            + "; read it into memory instead (readCsr): SciPy's save_npz files are never mappable, even with "
                            + "compressed=False (NumPy puts indices.npy's data at an odd offset); mapping needs members stored "
                            + "uncompressed and aligned, as NpzWriter and downhill gen --density ... --format npz write them");
                }
                starts[k] = member.dataStart() + headers[k].preamble;
                int size = headers[k].dtype.itemSize();
                if (starts[k] % size != 0) {
                    throw new NotMappableException(file, names[k] + "'s data starts at byte " + starts[k] + ", not a multiple of "
                            + size + "; read it into memory instead (readCsr): NumPy does not align zip members, so SciPy's "
                            + "save_npz files are never mappable; NpzWriter and downhill gen --density ... --format npz write "
                            + "aligned ones");
                }
                if (member.size() != headers[k].preamble + nnz * size) {
                    throw new MalformedFileException(file, names[k] + " should hold " + nnz + " elements of " + headers[k].descr
                            + ", but its entry has " + (member.size() - headers[k].preamble) + " data bytes");
                }
                if (!member.crcMatches(file)) {
                    throw new MalformedFileException(file, names[k] + " is corrupted: the CRC-32 of its bytes is not the one the zip "
                            + "records");
                }
            }
            mapping = new FileMapping(file, java.nio.file.Files.size(file));
            IntPointer columns = new IntPointer(mapping.view(starts[0]));
            Precision p = dataHeader.dtype == NpyDtype.FLOAT32 ? Precision.FLOAT32 : Precision.FLOAT64;
            Pointer values = p == Precision.FLOAT32 ? new FloatPointer(mapping.view(starts[1])) : new DoublePointer(mapping.view(starts[1]));
            try {
                CsrMatrix.validate(rows, cols, pointers, columns, values, p);
            } catch (IllegalArgumentException e) {
                String m = e.getMessage();
                if (m.contains("appears twice") || m.contains("must be sorted")) {
                    throw new NotMappableException(file, m + " (rows are put in canonical form while reading; a mapping cannot be "
                            + "changed)");
                }
                throw new MalformedFileException(file, m);
            }
            CsrMatrix matrix = new CsrMatrix(rows, cols, p, pointers, columns, values, mapping);
            pointers = null;
            mapping = null;
            return matrix;
        } catch (IOException e) {
            throw corruptedOr(file, ReadFailure.of(file, e));
        } catch (MalformedFileException e) {
            throw corruptedOr(file, e);
        } finally {
            if (pointers != null) {
                pointers.close();
            }
            if (mapping != null) {
                mapping.close();
            }
        }
    }

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(NpzReader.class);

    /** Sorts unsorted rows (columns for CSC) and sums duplicates, as SciPy's sum_duplicates(); says so when it did. */
    private static void canonical(Path file, long major, LongPointer pointers, IntPointer indices, Pointer values, Precision p,
                                  boolean csr) {
        long[] done = CsrMatrix.canonicalize(major, pointers, indices, values, p);
        if (done[0] > 0) {
            LOG.info("{}: sorted the indices of {} {} and summed {} duplicate entries (as SciPy's X.sum_duplicates() would)",
                    file, done[0], csr ? "rows" : "columns", done[1]);
        }
    }

    private static String hint(IllegalArgumentException e) {
        String m = e.getMessage();
        return m.contains("appears twice") || m.contains("must be sorted")
                ? " (in SciPy, X.sum_duplicates() sorts the indices and merges duplicates before save_npz)" : "";
    }

    /**
     * The CSR row pointers of {@code count} entries whose rows are {@code rowOf[k]} (each in [0, rows)): how many fall in
     * each row, summed — the first step of a counting sort by row. Writes all rows + 1 of {@code rowPointers}.
     */
    private static void countRows(LongPointer rowPointers, long rows, IntPointer rowOf, long count) {
        Pointer.memset(rowPointers, 0, 8 * (rows + 1));
        for (long k = 0; k < count; k++) {
            long r = rowOf.get(k) + 1;
            rowPointers.put(r, rowPointers.get(r) + 1);
        }
        for (long i = 0; i < rows; i++) {
            rowPointers.put(i + 1, rowPointers.get(i + 1) + rowPointers.get(i));
        }
    }

    /**
     * CSC (column pointers, row indices) → CSR by a counting sort on the row: rows' entries come out in increasing
     * column order because columns are visited in order. The CSC arrays are validated as CSR of the transpose first.
     */
    private static CsrMatrix transpose(Path file, long rows, long cols, Precision p, LongPointer colPointers, IntPointer rowIndices,
                                       Pointer values) {
        try {
            CsrMatrix.validate(cols, rows, colPointers, rowIndices, values, p);
        } catch (IllegalArgumentException e) {
            throw new MalformedFileException(file, "(CSC, read as the CSR of Xᵀ) " + e.getMessage() + hint(e));
        }
        long nnz = colPointers.get(cols);
        LongPointer rowPointers = HugePages.advise(new LongPointer(rows + 1));
        IntPointer columns = null;
        Pointer out = null;
        try {
            columns = HugePages.advise(new IntPointer(Math.max(1, nnz)));
            out = HugePages.advise(p == Precision.FLOAT64 ? new DoublePointer(Math.max(1, nnz)) : new FloatPointer(Math.max(1, nnz)));
            countRows(rowPointers, rows, rowIndices, nnz);
            long[] next = new long[Math.toIntExact(rows)];
            for (int i = 0; i < rows; i++) {
                next[i] = rowPointers.get(i);
            }
            for (int j = 0; j < cols; j++) {
                for (long k = colPointers.get(j); k < colPointers.get(j + 1); k++) {
                    int r = rowIndices.get(k);
                    long slot = next[r]++;
                    columns.put(slot, j);
                    if (p == Precision.FLOAT64) {
                        ((DoublePointer) out).put(slot, ((DoublePointer) values).get(k));
                    } else {
                        ((FloatPointer) out).put(slot, ((FloatPointer) values).get(k));
                    }
                }
            }
            CsrMatrix m = new CsrMatrix(rows, cols, p, rowPointers, columns, out);
            return m;
        } catch (RuntimeException | Error e) {
            rowPointers.close();
            if (columns != null) {
                columns.close();
            }
            if (out != null) {
                out.close();
            }
            throw e;
        }
    }

    /**
     * A COO file ({@code row.npy}, {@code col.npy}, {@code data.npy}: entry k at (row[k], col[k]), in any order, repeats
     * allowed) as CSR, as SciPy's {@code X.tocsr()} makes it: a counting sort by row (each row's entries in file order),
     * then each row's columns sorted and repeated entries summed ({@link #canonical}). The COO arrays are freed once
     * sorted; the CSR ones are of the same size.
     */
    private static CsrMatrix readCoo(ZipFile zip, Path file, Precision precision) throws IOException {
        long[] shape = smallIntegers(zip, file, "shape.npy", 2);
        long rows = shape[0];
        long cols = shape[1];
        if (rows < 0 || cols < 0 || rows > Integer.MAX_VALUE || cols > Integer.MAX_VALUE) {
            throw new MalformedFileException(file, "shape (" + rows + ", " + cols + ") is not supported (a COO matrix's row and "
                    + "column counts must be below 2^31)");
        }
        Header dataHeader = header(zip, file, "data.npy");
        if (dataHeader.shape.length != 1) {
            throw new MalformedFileException(file, "data.npy has shape " + NpyHeader.shapeText(dataHeader.shape) + ", not one dimension");
        }
        long nnz = dataHeader.shape[0];
        Precision p = precision != null ? precision : dataHeader.dtype == NpyDtype.FLOAT32 ? Precision.FLOAT32 : Precision.FLOAT64;
        IntPointer rowOf = null;
        IntPointer colOf = null;
        Pointer entries = null;
        LongPointer pointers = null;
        IntPointer indices = null;
        Pointer values = null;
        try {
            rowOf = readIndices(zip, file, "row.npy", nnz, rows);
            colOf = readIndices(zip, file, "col.npy", nnz, cols);
            IntPointer r = rowOf;
            IntPointer c = colOf;
            entries = readValues(zip, file, nnz, p, "data.npy's length is", k -> "row " + r.get(k) + ", column " + c.get(k));
            pointers = HugePages.advise(new LongPointer(rows + 1));
            countRows(pointers, rows, rowOf, nnz);
            indices = HugePages.advise(new IntPointer(Math.max(1, nnz)));
            values = HugePages.advise(p == Precision.FLOAT64 ? new DoublePointer(Math.max(1, nnz)) : new FloatPointer(Math.max(1, nnz)));
            try (LongPointer next = new LongPointer(Math.max(1, rows))) { // each row's next free slot (off-heap: rows < 2^31)
                Pointer.memcpy(next, pointers, 8 * rows);
                for (long k = 0; k < nnz; k++) {
                    int i = rowOf.get(k);
                    long slot = next.get(i);
                    next.put(i, slot + 1);
                    indices.put(slot, colOf.get(k));
                    if (p == Precision.FLOAT64) {
                        ((DoublePointer) values).put(slot, ((DoublePointer) entries).get(k));
                    } else {
                        ((FloatPointer) values).put(slot, ((FloatPointer) entries).get(k));
                    }
                }
            }
            for (Pointer q : new Pointer[] {rowOf, colOf, entries}) {
                q.close();
            }
            rowOf = null;
            colOf = null;
            entries = null;
            long[] done = CsrMatrix.canonicalize(rows, pointers, indices, values, p); // COO's order is free: no note for it
            if (done[1] > 0) {
                LOG.info("{}: summed {} repeated entries of the COO matrix (as SciPy's X.tocsr() does)", file, done[1]);
            }
            try {
                CsrMatrix.validate(rows, cols, pointers, indices, values, p);
            } catch (IllegalArgumentException e) {
                throw new MalformedFileException(file, "(COO, read as CSR) " + e.getMessage());
            }
            CsrMatrix m = new CsrMatrix(rows, cols, p, pointers, indices, values);
            pointers = null; // owned by the matrix now
            indices = null;
            values = null;
            return m;
        } finally {
            for (Pointer q : new Pointer[] {rowOf, colOf, entries, pointers, indices, values}) {
                if (q != null) {
                    q.close();
                }
            }
        }
    }

    // ---------------------------------------------------------------- entries

    /** A parsed .npy header of a zip entry and the stream positioned at its data. */
    private record Header(NpyDtype dtype, long[] shape, String descr, InputStream data, long dataBytes, long preamble,
                          java.util.zip.Checksum checksum, long expectedCrc) {
        /**
         * After the whole entry was read: reads what is left of it (nothing, in a well-formed file) and compares the CRC-32
         * of its bytes with the one the zip records, as NumPy's {@code zipfile} does. A corrupted stored (uncompressed)
         * member would otherwise be read as other numbers.
         */
        void checkCrc(Path file, String name) throws IOException {
            byte[] rest = new byte[8192];
            while (data.read(rest) >= 0) {
                // drained into the checksum
            }
            if (expectedCrc >= 0 && checksum.getValue() != expectedCrc) {
                throw new MalformedFileException(file, name + " is corrupted: its CRC-32 is " + String.format(Locale.ROOT, "%08x",
                        checksum.getValue()) + " but the zip records " + String.format(Locale.ROOT, "%08x", expectedCrc));
            }
        }

        long count() {
            long c = 1;
            for (long d : shape) {
                c *= d;
            }
            return c;
        }
    }

    private static ZipEntry entry(ZipFile zip, Path file, String name) {
        ZipEntry e = zip.getEntry(name);
        if (e == null) {
            java.util.List<String> arrays = new java.util.ArrayList<>();
            zip.stream().limit(9).forEach(member -> arrays.add(MalformedFileException.quote(member.getName().replaceFirst("\\.npy$", ""))));
            boolean sparse = zip.getEntry("indptr.npy") != null || zip.getEntry("row.npy") != null;
            throw new MalformedFileException(file, "not a scipy.sparse .npz file: it has no " + name + (sparse || arrays.isEmpty()
                    ? " (save the matrix with scipy.sparse.save_npz)" : "; it holds the arrays " + String.join(", ",
                    arrays.subList(0, Math.min(8, arrays.size()))) + (arrays.size() > 8 ? ", …" : "") + " (an np.savez archive?): "
                    + "save a dense X and y as .npy files (np.save) and give --x X.npy --y y.npy, or a sparse X with "
                    + "scipy.sparse.save_npz"));
        }
        return e;
    }

    /** Reads the preamble and header dict of entry {@code name}; numeric dtypes only unless {@code anyType}. */
    private static Header header(ZipFile zip, Path file, String name, boolean anyType) throws IOException {
        ZipEntry entry = entry(zip, file, name);
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        InputStream in = new BufferedInputStream(new java.util.zip.CheckedInputStream(zip.getInputStream(entry), crc), CHUNK);
        byte[] pre = readN(in, 10, file, name);
        if ((pre[0] & 0xff) != 0x93 || pre[1] != 'N' || pre[2] != 'U' || pre[3] != 'M' || pre[4] != 'P' || pre[5] != 'Y') {
            throw new MalformedFileException(file, name + " is not an .npy array");
        }
        int major = pre[6] & 0xff;
        if (major < 1 || major > 3) {
            throw new MalformedFileException(file, name + ": unsupported .npy version " + major);
        }
        long length;
        if (major == 1) {
            length = (pre[8] & 0xff) | (pre[9] & 0xff) << 8;
        } else {
            byte[] more = readN(in, 2, file, name);
            length = (pre[8] & 0xffL) | (pre[9] & 0xffL) << 8 | (more[0] & 0xffL) << 16 | (more[1] & 0xffL) << 24;
        }
        if (length > NpyHeader.MAX_HEADER_BYTES) {
            throw new MalformedFileException(file, name + ": header length " + length + " is implausible");
        }
        String text = new String(readN(in, (int) length, file, name), major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        Map<String, Object> dict = NpyHeaderParser.parseDict(text, file);
        Object descr = dict.get("descr");
        Object shapeValue = dict.get("shape");
        if (!(descr instanceof String) || !(shapeValue instanceof NpyHeaderParser.Tuple) || Boolean.TRUE.equals(dict.get("fortran_order"))
                && ((NpyHeaderParser.Tuple) shapeValue).items().size() > 1) {
            throw new MalformedFileException(file, name + ": unexpected header " + text.trim());
        }
        List<Object> items = ((NpyHeaderParser.Tuple) shapeValue).items();
        long[] shape = new long[items.size()];
        for (int d = 0; d < shape.length; d++) {
            if (!(items.get(d) instanceof Long) || (Long) items.get(d) < 0) {
                throw new MalformedFileException(file, name + ": bad shape " + items);
            }
            shape[d] = (Long) items.get(d);
        }
        NpyDtype dtype = anyType ? null : NpyDtype.parse((String) descr, file);
        long preamble = (major == 1 ? 10 : 12) + length;
        // the entry's size as the zip states it (−1 when it does not): checked before anything is allocated for it
        long dataBytes = entry.getSize() < 0 ? -1 : entry.getSize() - preamble;
        return new Header(dtype, shape, (String) descr, in, dataBytes, preamble, crc, entry.getCrc());
    }

    private static Header header(ZipFile zip, Path file, String name) throws IOException {
        Header h = header(zip, file, name, false);
        h.data.close();
        return h;
    }

    /** The one string of {@code format.npy} (dtype |S or <U, as SciPy versions write it). */
    private static String text(ZipFile zip, Path file, String name) throws IOException {
        Header h = header(zip, file, name, true);
        try (InputStream in = h.data) {
            String d = h.descr;
            if (h.shape.length != 0 || !d.matches("[|<][SU]\\d{1,3}")) {
                throw new MalformedFileException(file, name + " should hold one string, found dtype '" + d + "' of shape "
                        + NpyHeader.shapeText(h.shape));
            }
            int chars = Integer.parseInt(d.substring(2));
            boolean unicode = d.charAt(1) == 'U';
            byte[] b = readN(in, unicode ? 4 * chars : chars, file, name);
            h.checkCrc(file, name);
            StringBuilder s = new StringBuilder();
            for (int i = 0; i < chars; i++) {
                int c = unicode ? ByteBuffer.wrap(b, 4 * i, 4).order(ByteOrder.LITTLE_ENDIAN).getInt() : b[i] & 0xff;
                if (c != 0) {
                    s.appendCodePoint(c);
                }
            }
            return s.toString().toLowerCase(Locale.ROOT);
        }
    }

    /** A small integer vector of exactly {@code length} values. */
    private static long[] smallIntegers(ZipFile zip, Path file, String name, int length) throws IOException {
        Header h = header(zip, file, name, false);
        try (InputStream in = h.data) {
            if (h.shape.length != 1 || h.shape[0] != length || h.dtype.isFloatingPoint()) {
                throw new MalformedFileException(file, name + " should hold " + length + " integers, found " + h.descr + " of shape "
                        + NpyHeader.shapeText(h.shape));
            }
            ByteBuffer b = ByteBuffer.wrap(readN(in, length * h.dtype.itemSize(), file, name)).order(ByteOrder.LITTLE_ENDIAN);
            h.checkCrc(file, name);
            long[] out = new long[length];
            for (int i = 0; i < length; i++) {
                out[i] = h.dtype == NpyDtype.INT64 ? b.getLong() : b.getInt();
            }
            return out;
        }
    }

    /** {@code indptr.npy}: {@code count} int32 or int64 offsets into int64 off-heap memory. */
    private static LongPointer readPointers(ZipFile zip, Path file, long count) throws IOException {
        Header h = header(zip, file, "indptr.npy", false);
        try (InputStream in = h.data) {
            integerVector(h, file, "indptr.npy", count);
            LongPointer out = HugePages.advise(new LongPointer(count));
            try {
                long[] decoded = new long[CHUNK / 4];
                stream(in, file, "indptr.npy", count, h.dtype.itemSize(), (b, first, n) -> {
                    for (int e = 0; e < n; e++) {
                        decoded[e] = h.dtype == NpyDtype.INT64 ? b.getLong() : b.getInt();
                    }
                    out.position(first).put(decoded, 0, n).position(0);
                });
                h.checkCrc(file, "indptr.npy");
                return out;
            } catch (RuntimeException | IOException e) {
                out.close();
                throw e;
            }
        }
    }

    /** {@code name} ({@code indices.npy}, COO's {@code row.npy}, {@code col.npy}): {@code count} indices below {@code bound} into int32 off-heap memory. */
    private static IntPointer readIndices(ZipFile zip, Path file, String name, long count, long bound) throws IOException {
        Header h = header(zip, file, name, false);
        try (InputStream in = h.data) {
            integerVector(h, file, name, count);
            IntPointer out = HugePages.advise(new IntPointer(Math.max(1, count)));
            try {
                int[] decoded = new int[CHUNK / 4];
                stream(in, file, name, count, h.dtype.itemSize(), (b, first, n) -> {
                    for (int e = 0; e < n; e++) {
                        long v = h.dtype == NpyDtype.INT64 ? b.getLong() : b.getInt();
                        if (v < 0 || v >= bound) {
                            throw new MalformedFileException(file, name + ": entry " + (first + e) + " is " + v + ", outside [0, "
                                    + bound + ")");
                        }
                        decoded[e] = (int) v;
                    }
                    out.position(first).put(decoded, 0, n).position(0);
                });
                h.checkCrc(file, name);
                return out;
            } catch (RuntimeException | IOException e) {
                out.close();
                throw e;
            }
        }
    }

    /**
     * {@code data.npy}: {@code count} values converted to {@code p}. A value float32 cannot hold is named by its entry and
     * its place in X ({@code place}: "row i, column j" of entry k, from the indices already read).
     *
     * @param countSource what gave {@code count}, for the message when data.npy's length differs ("indptr says")
     */
    private static Pointer readValues(ZipFile zip, Path file, long count, Precision p, String countSource,
                                      java.util.function.LongFunction<String> place) throws IOException {
        Header h = header(zip, file, "data.npy", false);
        try (InputStream in = h.data) {
            if (h.shape.length != 1 || h.shape[0] != count) {
                throw new MalformedFileException(file, "data.npy has shape " + NpyHeader.shapeText(h.shape) + " but " + countSource
                        + " " + count + " non-zeros");
            }
            checkSize(h, file, "data.npy", count);
            Pointer out = HugePages.advise(p == Precision.FLOAT64 ? new DoublePointer(Math.max(1, count)) : new FloatPointer(Math.max(1, count)));
            try {
                double[] doubles = p == Precision.FLOAT64 ? new double[CHUNK / 4] : null;
                float[] floats = p == Precision.FLOAT32 ? new float[CHUNK / 4] : null;
                stream(in, file, "data.npy", count, h.dtype.itemSize(), (b, first, n) -> {
                    for (int e = 0; e < n; e++) {
                        double v = switch (h.dtype) {
                            case FLOAT32 -> b.getFloat();
                            case FLOAT64 -> b.getDouble();
                            case INT32 -> b.getInt();
                            case INT64 -> (double) b.getLong();
                        };
                        if (doubles != null) {
                            doubles[e] = v;
                        } else {
                            floats[e] = (float) v;
                            if (dev.downhill.internal.Float32Range.lost(v)) {
                                throw new MalformedFileException(file, "data.npy: entry " + (first + e) + " (zero-based; "
                                        + place.apply(first + e) + "): "
                                        + dev.downhill.internal.Float32Range.problem(v) + "; " + dev.downhill.internal.Float32Range.ADVICE);
                            }
                        }
                    }
                    if (doubles != null) {
                        ((DoublePointer) out).position(first).put(doubles, 0, n).position(0);
                    } else {
                        ((FloatPointer) out).position(first).put(floats, 0, n).position(0);
                    }
                });
                h.checkCrc(file, "data.npy");
                return out;
            } catch (RuntimeException | IOException e) {
                out.close();
                throw e;
            }
        }
    }

    /**
     * "row i, column j" (zero-based) of stored entry {@code k}: its major index is the last m with pointers[m] ≤ k among
     * the major + 1 monotone pointers (binary search; empty majors share a pointer, the last of them is the entry's), its
     * minor index indices[k].
     */
    static String place(LongPointer pointers, IntPointer indices, boolean csr, long k) {
        long lo = 0;
        long hi = pointers.capacity() - 1; // pointers[0] = 0 ≤ k < pointers[last]
        while (hi - lo > 1) {
            long mid = (lo + hi) >>> 1;
            if (pointers.get(mid) <= k) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        long minor = indices.get(k);
        return csr ? "row " + lo + ", column " + minor : "row " + minor + ", column " + lo;
    }

    private static void integerVector(Header h, Path file, String name, long count) {
        if (h.dtype.isFloatingPoint() || h.shape.length != 1 || h.shape[0] != count) {
            throw new MalformedFileException(file, name + " should hold " + count + " integers, found " + h.descr + " of shape "
                    + NpyHeader.shapeText(h.shape));
        }
        checkSize(h, file, name, count);
    }

    /** The entry must hold {@code count} elements (when the zip states its size): refuses a lying header before allocating. */
    private static void checkSize(Header h, Path file, String name, long count) {
        if (h.dataBytes >= 0 && (count > Long.MAX_VALUE / 8 || h.dataBytes != count * h.dtype.itemSize())) {
            throw new MalformedFileException(file, name + " should hold " + count + " elements of " + h.descr + " ("
                    + (count > Long.MAX_VALUE / 8 ? "too many" : count * h.dtype.itemSize() + " bytes") + "), but its entry has "
                    + h.dataBytes + " data bytes");
        }
    }

    /** Where a chunk of decoded elements goes: {@code count} values starting at element {@code first}. */
    private interface ChunkSink {
        void take(ByteBuffer source, long first, int count);
    }

    /** Streams {@code count} little-endian elements of {@code size} bytes from {@code in}, a chunk at a time. */
    private static void stream(InputStream in, Path file, String name, long count, int size, ChunkSink sink) throws IOException {
        byte[] chunk = new byte[CHUNK - CHUNK % size];
        ByteBuffer b = ByteBuffer.wrap(chunk).order(ByteOrder.LITTLE_ENDIAN);
        long k = 0;
        while (k < count) {
            int elements = (int) Math.min(count - k, chunk.length / size);
            readFully(in, chunk, elements * size, file, name);
            b.clear();
            sink.take(b, k, elements);
            k += elements;
        }
    }

    private static byte[] readN(InputStream in, int n, Path file, String name) throws IOException {
        byte[] b = new byte[n];
        readFully(in, b, n, file, name);
        return b;
    }

    private static void readFully(InputStream in, byte[] b, int n, Path file, String name) throws IOException {
        int off = 0;
        while (off < n) {
            int r = in.read(b, off, n - off);
            if (r < 0) {
                throw new MalformedFileException(file, name + " ends early (truncated entry)");
            }
            off += r;
        }
    }
}
