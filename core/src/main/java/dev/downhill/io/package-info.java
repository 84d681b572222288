/**
 * Readers and writers for the data files researchers already have, streaming straight into
 * host off-heap memory.
 *
 * <ul>
 *   <li>{@link dev.downhill.io.NpyReader} / {@link dev.downhill.io.NpyWriter}: NumPy {@code .npy}
 *       (float32, float64, int32, int64; C and Fortran order; files over 2 GiB).</li>
 *   <li>{@link dev.downhill.io.CsvReader}: numeric CSV with header detection and a target column
 *       chosen by name or index.</li>
 *   <li>{@link dev.downhill.io.SvmLightReader}: svmlight / libsvm sparse text, densified under a
 *       size limit, or read sparse into a {@link dev.downhill.io.CsrMatrix} ({@code readSparse}).</li>
 *   <li>{@link dev.downhill.io.NpzReader}: SciPy {@code save_npz} sparse matrices (csr, csc) into a
 *       {@link dev.downhill.io.CsrMatrix}.</li>
 *   <li>{@link dev.downhill.io.AtomicFile}: all-or-nothing output files (a temporary file beside the
 *       target, fsynced and renamed over it); {@code NpyWriter} and {@code ModelFile} write through it.</li>
 * </ul>
 *
 * <p>Ownership: a reader returns a {@link dev.downhill.Dataset} or a
 * {@link dev.downhill.io.HostArray} that owns its memory; the caller closes it. A read that fails
 * frees whatever it allocated before the exception leaves. The Java heap holds at most a bounded
 * buffer (a few MB) whatever the file size; the off-heap total is limited by JavaCPP's
 * {@code -Dorg.bytedeco.javacpp.maxbytes}.
 *
 * <p>Errors: bad content is a {@link dev.downhill.io.MalformedFileException} (an
 * {@link IllegalArgumentException}) naming the file and, for text, the 1-based line and column
 * or token; failures of the file system are {@link java.io.UncheckedIOException}s. Every value
 * read must be finite.
 */
package dev.downhill.io;
