/**
 * downhill's public API: {@link dev.downhill.Dataset} and {@link dev.downhill.SparseDataset} (the data),
 * {@link dev.downhill.FitConfig} (how to fit), {@link dev.downhill.LinearRegression} and
 * {@link dev.downhill.CrossValidation} (the fits), {@link dev.downhill.FittedModel} (the answer) and
 * {@link dev.downhill.ModelFile} (the file format).
 *
 * <h2>Arguments</h2>
 *
 * <p>One convention for every public constructor, method and builder setter of this package, the Java platform's
 * ({@link java.util.Objects#requireNonNull(Object, String)}): a null argument is a {@link java.lang.NullPointerException}
 * whose message is the parameter's name as the Javadoc spells it ({@code LinearRegression.fit(null, config)}: "data";
 * {@code FitConfig.builder().solver(null)}: "solver"), thrown at the call, before any work or change of state (the
 * arguments are checked in parameter order). The exceptions are the arguments whose Javadoc gives null a meaning —
 * "null: the default" or "null: none", such as {@code FitConfig.Builder.precision}, {@code backend} and
 * {@code standardize}, {@code FittedModel.predictingOn}, {@code Penalty.withPenaltyFactors}, the training score and
 * index base of {@code ModelFile.write} — and the factories that take ownership of memory
 * ({@code Dataset.adopt}, {@code SparseDataset.of}), which free what they were given whenever they throw, a null
 * argument's NullPointerException included.
 *
 * <p>A non-null argument of the wrong value — a NaN or infinite number, a shape that does not match, a negative count,
 * a null row inside X, a JavaCPP pointer whose address is null, an unknown name — is an
 * {@link java.lang.IllegalArgumentException} whose message names the value and what is wrong. Operations on something closed or busy are {@link java.lang.IllegalStateException}s.
 */
package dev.downhill;
