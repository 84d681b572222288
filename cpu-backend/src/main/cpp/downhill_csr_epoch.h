// SGD / mini-batch epochs over a CSR X (called through JavaCPP from dev.downhill.cpu.EpochKernels): every batch of an
// epoch in one call, each exactly CpuCsrProblem's per-batch path — the gather pass csr_gradient_gather of
// downhill_sparse.h (the same function SparseKernels.csr_gather_* runs), its accumulator combined and scaled as
// CpuCsrProblem.write does, then the step of downhill_epoch.h (update) — so the model is the per-batch loop's, bit
// for bit. The rows come from the sampler's Feistel network (EpRows), B at a time into a plain array.
#ifndef DOWNHILL_CSR_EPOCH_H
#define DOWNHILL_CSR_EPOCH_H

#include "downhill_epoch.h"
#include "downhill_sparse.h"

namespace downhill {

// Batches [first_batch, first_batch + batches) of an epoch over CSR X (m rows, cols columns); the optional vectors and
// the scratch as epoch_batches (tt: θ̃, cols values; acc: cols float64; rows: B int64). Writes theta, g, *sum_squares.
template <class T>
static void csr_epoch_batches(const csr_index* ptr, const int* col, const T* val, const T* y, const double* w, ep_i64 m,
                              ep_i64 cols, ep_i64 seed, ep_i64 epoch, ep_i64 train, ep_i64 validation_seed, ep_i64 batch,
                              ep_i64 first_batch, ep_i64 batches, const double* rates, T* theta, T* g, double tau,
                              double ymean, const T* means, const T* factors, const T* ridge, const T* s2,
                              const double* kappa, const double* l1s2, T* tt, double* acc, ep_i64* rows,
                              double* sum_squares) {
    EpRows order;
    order.init(seed, epoch, m, train, validation_seed);
    double total = *sum_squares;
    for (ep_i64 k = 0; k < batches; k++) {
        ep_i64 from = (first_batch + k) * batch;
        ep_i64 count = train - from < batch ? train - from : batch;
        order.training_rows(from, rows, count);
        double scale = 2.0 / (double) count;
        double b;
        const T* t = batch_inputs(cols, theta, ymean, means, factors, tt, &b);
        for (ep_i64 j = 0; j < cols; j++) {
            acc[j] = 0;
        }
        double sums[2] = {0, 0};
        csr_gradient_gather<T>(ptr, col, val, y, w, (const long long*) rows, 0, count, t, b, tau, acc, sums);
        double ss = 0.0 + sums[0];
        double sum = 0.0 + sums[1];
        update(cols, acc, scale, -scale * sum, rates[k], theta, g, means, factors, ridge, s2, kappa, l1s2);
        total += ss;
    }
    *sum_squares = total;
}

inline void csr_epoch_float(const csr_index* ptr, const int* col, const float* val, const float* y, const double* w,
                            ep_i64 m, ep_i64 cols, ep_i64 seed, ep_i64 epoch, ep_i64 train, ep_i64 validation_seed,
                            ep_i64 batch, ep_i64 first_batch, ep_i64 batches, const double* rates, float* theta, float* g,
                            double tau, double ymean, const float* means, const float* factors, const float* ridge,
                            const float* s2, const double* kappa, const double* l1s2, float* tt, double* acc,
                            ep_i64* rows, double* sum_squares) {
    csr_epoch_batches(ptr, col, val, y, w, m, cols, seed, epoch, train, validation_seed, batch, first_batch, batches, rates,
                      theta, g, tau, ymean, means, factors, ridge, s2, kappa, l1s2, tt, acc, rows, sum_squares);
}

inline void csr_epoch_double(const csr_index* ptr, const int* col, const double* val, const double* y, const double* w,
                             ep_i64 m, ep_i64 cols, ep_i64 seed, ep_i64 epoch, ep_i64 train, ep_i64 validation_seed,
                             ep_i64 batch, ep_i64 first_batch, ep_i64 batches, const double* rates, double* theta, double* g,
                             double tau, double ymean, const double* means, const double* factors, const double* ridge,
                             const double* s2, const double* kappa, const double* l1s2, double* tt, double* acc,
                             ep_i64* rows, double* sum_squares) {
    csr_epoch_batches(ptr, col, val, y, w, m, cols, seed, epoch, train, validation_seed, batch, first_batch, batches, rates,
                      theta, g, tau, ymean, means, factors, ridge, s2, kappa, l1s2, tt, acc, rows, sum_squares);
}

}  // namespace downhill

#endif
