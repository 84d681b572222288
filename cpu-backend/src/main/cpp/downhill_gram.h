// Dense n x n helpers of the CPU backend's normal-equations solver (called through JavaCPP from
// dev.downhill.cpu.GramKernels) on the Gram matrix the backend keeps in native memory: what core's Java code does
// over dev.downhill.spi.GramSystem#lower(), without the JIT's warm-up on a loop that runs once per fit.
#ifndef DOWNHILL_GRAM_H
#define DOWNHILL_GRAM_H

#include <math.h>
#include <stdlib.h>

namespace downhill {

// A <- D A D on the lower triangle of the column-major n x n `a` (leading dimension n), D = diag(s): entry (i, j),
// i >= j, becomes a_ij * s_i * s_j. Returns the 1-norm of the symmetric result from that triangle (its largest
// column sum of magnitudes, an entry below the diagonal counting in columns j and i), or +infinity when a scaled entry
// is not finite (or the n doubles of scratch cannot be had: then -1, and `a` is untouched).
inline double gram_scale_lower(long long n, double* a, const double* s) {
    double* sums = (double*) calloc(n > 0 ? (size_t) n : 1, sizeof(double));
    if (sums == NULL) {
        return -1;
    }
    int finite = 1;
    for (long long j = 0; j < n; j++) {
        double* column = a + j * n;
        const double sj = s[j];
        double diagonal = column[j] * s[j] * sj;
        column[j] = diagonal;
        double sum = fabs(diagonal);
        for (long long i = j + 1; i < n; i++) {
            double v = column[i] * s[i] * sj;
            column[i] = v;
            double magnitude = fabs(v);
            sum += magnitude;
            sums[i] += magnitude;
        }
        sums[j] += sum;
    }
    double norm = 0;
    for (long long j = 0; j < n; j++) {
        if (!(sums[j] <= HUGE_VAL) || sums[j] == HUGE_VAL) {
            finite = 0;
        } else if (sums[j] > norm) {
            norm = sums[j];
        }
    }
    free(sums);
    return finite ? norm : HUGE_VAL;
}

// out (rows x n, row-major float32) = x_ij - mean_j, the difference in float64 rounded once to float32 (mean NULL:
// x_ij rounded), for the row-major rows of float64 or float32 X that x points at.
template <class T>
static inline void gram_round_rows_of(const T* x, long long n, long long rows, const double* mean, float* out) {
    for (long long i = 0; i < rows; i++) {
        const T* row = x + i * n;
        float* o = out + i * n;
        if (mean != NULL) {
            for (long long j = 0; j < n; j++) {
                o[j] = (float) ((double) row[j] - mean[j]);
            }
        } else {
            for (long long j = 0; j < n; j++) {
                o[j] = (float) row[j];
            }
        }
    }
}

inline void gram_round_rows(const double* x, long long n, long long rows, const double* mean, float* out) {
    gram_round_rows_of(x, n, rows, mean, out);
}

inline void gram_round_rows_float(const float* x, long long n, long long rows, const double* mean, float* out) {
    gram_round_rows_of(x, n, rows, mean, out);
}

// g += g32 (or g = g32 when `assign`: g's triangle is not read) on the upper triangle (j >= i) of the row-major
// n x n matrices (float64 g, float32 g32).
inline void gram_add_upper(long long n, const float* g32, double* g, bool assign) {
    for (long long i = 0; i < n; i++) {
        const float* from = g32 + i * n;
        double* to = g + i * n;
        if (assign) {
            for (long long j = i; j < n; j++) {
                to[j] = (double) from[j];
            }
        } else {
            for (long long j = i; j < n; j++) {
                to[j] += (double) from[j];
            }
        }
    }
}

}  // namespace downhill

#endif
