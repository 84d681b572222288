package dev.downhill.cpu;

import dev.downhill.testing.ScaleProofContract;

/** The scale-proof contract (data at 1e±150 in float64, 1e±30 in float32) on the CPU backend. */
class CpuScaleProofTest extends ScaleProofContract {
    @Override
    protected String backendName() {
        return "cpu";
    }
}
