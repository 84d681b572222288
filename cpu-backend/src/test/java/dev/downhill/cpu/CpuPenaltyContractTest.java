package dev.downhill.cpu;

import dev.downhill.testing.PenaltyContract;

/** The penalty contract on the CPU backend. */
class CpuPenaltyContractTest extends PenaltyContract {
    @Override
    protected String backendName() {
        return "cpu";
    }
}
