package dev.downhill.spark;

/**
 * Hands a Java subclass of a Spark ML Scala class its uid during the superclass constructor: Spark's {@code Predictor} and
 * {@code PredictionModel} make their params (featuresCol, …) there and name them after {@code uid()}, before a Java
 * constructor can assign a field. The uid is put here by the argument of {@code this(...)}, read by {@code uid()} while
 * the field is still null, and taken off when the field is set.
 */
final class Uids {
    private static final ThreadLocal<String> PENDING = new ThreadLocal<>();

    private Uids() {
    }

    /** A uid on its way to a constructor. */
    static final class Pending {
        private Pending() {
        }

        String take() {
            String uid = PENDING.get();
            PENDING.remove();
            return uid;
        }
    }

    static Pending pending(String uid) {
        PENDING.set(java.util.Objects.requireNonNull(uid, "uid"));
        return new Pending();
    }

    static String current() {
        return PENDING.get();
    }
}
