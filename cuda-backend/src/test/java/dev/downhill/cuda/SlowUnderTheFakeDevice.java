package dev.downhill.cuda;

import java.util.Set;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Under the fake device (a host emulation: milliseconds per kernel launch) the contract's per-example
 * and mini-batch SGD tests make thousands of launches and take minutes each, and so does GD's 2,300 steps
 * to 1e-15 on the certified quadratic (~50 s); they are disabled there, with this reason, and run on a real
 * GPU. Everything else in the contract runs under the fake.
 */
final class SlowUnderTheFakeDevice implements ExecutionCondition {
    static final Set<String> SLOW = Set.of(
            "stochasticSolversWithASmallStepReachTheSvdSolution",
            "textbookPerExampleSgdOnIntegerData",
            "everySolverAgreesOnTwoFeaturesWithIntercept",
            "sgdStopsWhenTheEpochLossStopsImproving",
            "aDecayingScheduleShrinksTheNoiseBallOfConstantStepSgd",
            "adaptiveScheduleAndEarlyStoppingEndTheFitEarly",
            "iterativeSolversReachNineDigitsOnTheCertifiedWellPosedProblems");

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        String method = context.getTestMethod().map(java.lang.reflect.Method::getName).orElse("");
        if (CudaDevice.FAKE && SLOW.contains(method)) {
            return ConditionEvaluationResult.disabled("thousands of emulated launches; runs on a real GPU only");
        }
        return ConditionEvaluationResult.enabled("");
    }
}
