package dev.downhill.nd4j;

import dev.downhill.testing.ScaleProofContract;

/** The scale-proof contract (data at 1e±150 in float64, 1e±30 in float32) on the nd4j backend. */
class Nd4jScaleProofTest extends ScaleProofContract {
    @Override
    protected String backendName() {
        return "nd4j";
    }
}
