package dev.downhill.spi;

/**
 * The extended-precision pass the direct solvers refine with. With X_c, y_c centred by the column
 * means (carried to ~106 bits) when the pass was made for a centred problem, else X and y:
 * <pre>  r = y_c − X_cθ,   g = X_cᵀr     (weighted: g = X_cᵀW r, X_c and y_c centred by the weighted means)</pre>
 * every product and sum carried in double-double (≈ 32 significant digits), r never rounded, only
 * g at the end. Reads X and y; allocates nothing of length m.
 */
public interface ExtendedResidual {

    /** g = X_cᵀ(y_c − X_cθ), each component rounded once to double. One pass over X. */
    double[] transposedResidual(double[] theta);

    /** b = ȳ − x̄ᵀθ evaluated in double-double and rounded once (0 for an uncentred problem). No pass over X. */
    double intercept(double[] theta);
}
