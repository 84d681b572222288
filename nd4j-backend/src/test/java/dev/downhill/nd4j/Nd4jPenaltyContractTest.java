package dev.downhill.nd4j;

import dev.downhill.testing.PenaltyContract;

/** The penalty contract on the nd4j backend. */
class Nd4jPenaltyContractTest extends PenaltyContract {
    @Override
    protected String backendName() {
        return "nd4j";
    }
}
