package dev.downhill.nd4j;

import dev.downhill.testing.BackendContract;

/** The backend contract on the nd4j backend. */
class Nd4jBackendContractTest extends BackendContract {
    @Override
    protected String backendName() {
        return "nd4j";
    }
}
