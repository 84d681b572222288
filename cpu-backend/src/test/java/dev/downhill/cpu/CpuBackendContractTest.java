package dev.downhill.cpu;

import dev.downhill.testing.BackendContract;

/** The backend contract on the CPU backend. */
class CpuBackendContractTest extends BackendContract {
    @Override
    protected String backendName() {
        return "cpu";
    }
}
