package dev.downhill.spi;

/** Whether a backend can run on this machine; {@code reason} says why not (empty when available). */
public record Availability(boolean available, String reason) {

    public static Availability yes() {
        return new Availability(true, "");
    }

    public static Availability no(String reason) {
        return new Availability(false, reason);
    }
}
