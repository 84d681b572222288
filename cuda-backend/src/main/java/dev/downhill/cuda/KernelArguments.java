package dev.downhill.cuda;

import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerPointer;

/**
 * The {@code void** kernelParams} array of {@code cuLaunchKernel}, allocated once per context and
 * rewritten for every launch: slot i is 8 bytes of host memory, and entry i of the array points at
 * it. A kernel parameter of type int reads the low 4 bytes of its slot (x86-64 is little-endian),
 * a double or 64-bit integer all 8, a device pointer its address. Not thread-safe (one per context).
 */
final class KernelArguments implements AutoCloseable {
    static final int SLOTS = 24;

    private final LongPointer values = new LongPointer(SLOTS);
    private final PointerPointer<Pointer> pointers = new PointerPointer<>(SLOTS);

    KernelArguments() {
        for (int i = 0; i < SLOTS; i++) {
            pointers.put(i, new RawPointer(values.address() + 8L * i));
        }
    }

    /**
     * Writes the launch's arguments: {@link Integer} (C int), {@link Long} (long long),
     * {@link Double}, {@link DeviceMemory} (its start address), {@link Pointer} (its address, device
     * memory) or null (a null pointer).
     */
    PointerPointer<Pointer> set(Object... args) {
        if (args.length > SLOTS) {
            throw new IllegalArgumentException(args.length + " kernel arguments; at most " + SLOTS);
        }
        for (int i = 0; i < args.length; i++) {
            Object a = args[i];
            long bits;
            if (a == null) {
                bits = 0;
            } else if (a instanceof Integer) {
                bits = (Integer) a;
            } else if (a instanceof Long) {
                bits = (Long) a;
            } else if (a instanceof Double) {
                bits = Double.doubleToRawLongBits((Double) a);
            } else if (a instanceof DeviceMemory) {
                bits = ((DeviceMemory) a).address(0);
            } else if (a instanceof Pointer) {
                bits = ((Pointer) a).address();
            } else {
                throw new IllegalArgumentException("kernel argument " + i + " has unsupported type " + a.getClass().getName());
            }
            values.put(i, bits);
        }
        return pointers;
    }

    @Override
    public void close() {
        pointers.close();
        values.close();
    }
}
