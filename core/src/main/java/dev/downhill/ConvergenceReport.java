package dev.downhill;

/**
 * How a fit got where it is, beyond the histories kept in {@link FittedModel}.
 *
 * @param standardized    whether the gradient solver worked on implicitly standardized features
 *                        (then the gradient norms in the history are ‖S∇‖, S = diag(1/σⱼ))
 * @param constantColumns columns found constant under standardization; their coefficient is 0
 * @param distanceToExact ‖[θ, b] − [θ*, b*]‖ / ‖[θ*, b*]‖ against the SVD solution computed alongside
 *                        ({@link FitConfig#exactReference()}), else NaN
 */
public record ConvergenceReport(boolean standardized, int[] constantColumns, double distanceToExact) {
    public ConvergenceReport {
        constantColumns = constantColumns.clone();
    }

    @Override
    public int[] constantColumns() {
        return constantColumns.clone();
    }
}
