package dev.downhill.cuda;

import static org.bytedeco.cuda.global.cudart.cudaDevAttrComputeCapabilityMajor;
import static org.bytedeco.cuda.global.cudart.cudaDevAttrComputeCapabilityMinor;
import static org.bytedeco.cuda.global.cudart.cudaDevAttrMultiProcessorCount;
import static org.bytedeco.cuda.global.cudart.cudaDeviceGetAttribute;
import static org.bytedeco.cuda.global.cudart.cudaDriverGetVersion;
import static org.bytedeco.cuda.global.cudart.cudaGetDeviceProperties;
import static org.bytedeco.cuda.global.cudart.cudaMemGetInfo;
import static org.bytedeco.cuda.global.cudart.cudaRuntimeGetVersion;
import static org.bytedeco.cuda.global.cudart.cudaSetDevice;

import java.util.Locale;
import org.bytedeco.cuda.cudart.cudaDeviceProp;
import org.bytedeco.javacpp.SizeTPointer;

/**
 * What a CUDA device is: name, compute capability, multiprocessors, memory, driver and runtime
 * versions (CUDA's integer encoding, e.g. 13000 for 13.0).
 */
record DeviceInfo(int ordinal, String name, int major, int minor, int multiprocessors, long totalBytes,
                  int driverVersion, int runtimeVersion, int sharedPerBlockOptin) {

    /** Queries device {@code ordinal} (makes it current on the calling thread). */
    static DeviceInfo query(int ordinal) {
        CudaStatus.check(cudaSetDevice(ordinal), "cudaSetDevice(" + ordinal + ")");
        int[] v = new int[1];
        CudaStatus.check(cudaDeviceGetAttribute(v, cudaDevAttrComputeCapabilityMajor, ordinal), "cudaDeviceGetAttribute(major)");
        int major = v[0];
        CudaStatus.check(cudaDeviceGetAttribute(v, cudaDevAttrComputeCapabilityMinor, ordinal), "cudaDeviceGetAttribute(minor)");
        int minor = v[0];
        CudaStatus.check(cudaDeviceGetAttribute(v, cudaDevAttrMultiProcessorCount, ordinal), "cudaDeviceGetAttribute(multiprocessors)");
        int sms = v[0];
        // the shared memory a block may opt in to (sm_90: 227 KiB, sm_80: 163 KiB, sm_86/89: 99 KiB); 48 KiB if not said
        int optin = org.bytedeco.cuda.global.cudart.cudaDeviceGetAttribute(v,
                org.bytedeco.cuda.global.cudart.cudaDevAttrMaxSharedMemoryPerBlockOptin, ordinal) == 0 ? v[0] : 48 * 1024;
        String name;
        try (cudaDeviceProp p = new cudaDeviceProp()) {
            CudaStatus.check(cudaGetDeviceProperties(p, ordinal), "cudaGetDeviceProperties");
            name = p.name().getString();
        }
        CudaStatus.check(cudaDriverGetVersion(v), "cudaDriverGetVersion");
        int driver = v[0];
        CudaStatus.check(cudaRuntimeGetVersion(v), "cudaRuntimeGetVersion");
        int runtime = v[0];
        return new DeviceInfo(ordinal, name, major, minor, sms, memory()[1], driver, runtime, optin);
    }

    /** {free, total} bytes of the current device. */
    static long[] memory() {
        try (SizeTPointer free = new SizeTPointer(1); SizeTPointer total = new SizeTPointer(1)) {
            CudaStatus.check(cudaMemGetInfo(free, total), "cudaMemGetInfo");
            return new long[] {free.get(), total.get()};
        }
    }

    /**
     * The device as far as it decides the order of a kernel's sums: its name, compute capability, multiprocessors (the
     * grids are sized to them) and CUDA runtime (cuBLAS's kernels come with it), for {@code sumsLayout()}.
     */
    String arithmetic() {
        return String.format(Locale.ROOT, "%s (compute capability %d.%d, %d multiprocessors, runtime %s)", name, major, minor,
                multiprocessors, version(runtimeVersion));
    }

    /** One line for {@code downhill info}. */
    String describe() {
        return String.format(Locale.ROOT, "device %d: %s, compute capability %d.%d, %d multiprocessors, %.1f GiB; driver %s, runtime %s",
                ordinal, name, major, minor, multiprocessors, totalBytes / (double) (1L << 30), version(driverVersion), version(runtimeVersion));
    }

    private static String version(int v) {
        return v / 1000 + "." + (v % 1000) / 10;
    }
}
