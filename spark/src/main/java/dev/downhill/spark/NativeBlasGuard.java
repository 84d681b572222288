package dev.downhill.spark;

/**
 * Keeps Spark ML's netlib from loading its native BLAS in a JVM that runs downhill's cpu backend. netlib's JNI library
 * binds its BLAS symbols to whichever BLAS the process loaded first: with the cpu backend's OpenBLAS (JavaCPP's) already
 * loaded, Spark's own {@code LinearRegression} (its normal solver's {@code dspr}) crashed the JVM in local mode. Unless the
 * user set them, {@link #apply()} sets {@code dev.ludovic.netlib.{blas,lapack,arpack}.allowNative=false}, so Spark ML uses
 * its Java BLAS; it must run before Spark ML first touches BLAS in the JVM (the estimator's class loading does it on the
 * driver, the partition loading on each executor). Setting the flags with {@code -D} in
 * {@code spark.driver/executor.extraJavaOptions} is the certain way (README, "Spark").
 */
final class NativeBlasGuard {
    private NativeBlasGuard() {
    }

    static void apply() {
        for (String lib : new String[] {"blas", "lapack", "arpack"}) {
            String key = "dev.ludovic.netlib." + lib + ".allowNative";
            if (System.getProperty(key) == null) {
                System.setProperty(key, "false");
            }
        }
    }
}
