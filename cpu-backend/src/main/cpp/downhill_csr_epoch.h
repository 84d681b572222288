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
                              double* avg, const double* avg_factors, double* sum_squares) {
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
        if (avg != NULL) {
            average_step(cols, theta, avg, avg_factors[k]);
        }
        total += ss;
    }
    *sum_squares = total;
}

// ------------------------------------------------------------------ the lazy epoch (no l1 term, uniform λ∘S²)

// dev.downhill.spi.SparseLazyEpoch in native code, operation for operation (the same expressions in the same order,
// IEEE float64 without contraction, so the same bits as the Java loop): θ = a·v + c·d with d = S²∘x̄, a step costing
// the batch's stored entries. The state (a, c, x̄ᵀv, x̄ᵀd) lives in state[0..3] between calls; v, d are float64 n-vectors.

// Before the first batch: d_j = S²_j·x̄_j (S² = 1 when null; d = 0 without means), state = {1, 0, x̄ᵀv, x̄ᵀd}.
inline void csr_lazy_begin(const double* v, const double* mean, const double* s2, ep_i64 n, double* d, double* state) {
    double xd = 0;
    double xv = 0;
    for (ep_i64 j = 0; j < n; j++) {
        d[j] = 0;
    }
    if (mean != NULL) {
        for (ep_i64 j = 0; j < n; j++) {
            d[j] = (s2 == NULL ? 1.0 : s2[j]) * mean[j];
            xd += mean[j] * d[j];
        }
        for (ep_i64 j = 0; j < n; j++) {
            xv += mean[j] * v[j];
        }
    }
    state[0] = 1;
    state[1] = 0;
    state[2] = xv;
    state[3] = xd;
}

// θ_j = a·v_j + c·d_j into out.
inline void csr_lazy_materialize(const double* v, const double* d, const double* state, ep_i64 n, double* out) {
    for (ep_i64 j = 0; j < n; j++) {
        out[j] = state[0] * v[j] + state[1] * d[j];
    }
}

// A column's state in the lazy epoch: v_j, d_j, D_j (1 without factors), S²_j (1 without), x̄_j (0 without means),
// side by side, so that a stored entry's column costs one cache line, not five.
struct LazyColumn {
    double v;
    double d_;
    double factor_;
    double s2_;
    double mean_;

    void set(double vj, double dj, double factorj, double s2j, double meanj) {
        v = vj;
        d_ = dj;
        factor_ = factorj;
        s2_ = s2j;
        mean_ = meanj;
    }
    double d() const { return d_; }
    double factor() const { return factor_; }
    double s2() const { return s2_; }
    double mean() const { return mean_; }
};

// The column state without factors and scales (D = S² = 1, so d = S²∘x̄ = x̄ exactly): v_j and x̄_j only, 16 bytes a
// column instead of 40 — E2006-tfidf's 150,360 columns then take 2.4 MB instead of 6, and the random gathers and
// scatters of the epoch hit the caches that much more often. The expressions are LazyColumn's with D_j = S²_j = 1 and
// d_j = x̄_j (x·1 = x, exactly): the same bits.
struct PlainLazyColumn {
    double v;
    double mean_;

    void set(double vj, double, double, double, double meanj) {
        v = vj;
        mean_ = meanj;
    }
    double d() const { return mean_; }
    double factor() const { return 1.0; }
    double s2() const { return 1.0; }
    double mean() const { return mean_; }
};

// x̄ᵀv (0 without means).
template <class C>
static inline double csr_lazy_recount(const C* cs, ep_i64 n, bool centred) {
    double xv = 0;
    if (centred) {
        for (ep_i64 j = 0; j < n; j++) {
            xv += cs[j].mean() * cs[j].v;
        }
    }
    return xv;
}

// v ← θ, a = 1, c = 0; returns x̄ᵀv recounted.
template <class C>
static inline double csr_lazy_fold(C* cs, ep_i64 n, bool centred, double* a, double* c) {
    for (ep_i64 j = 0; j < n; j++) {
        cs[j].v = *a * cs[j].v + *c * cs[j].d();
    }
    *a = 1;
    *c = 0;
    return csr_lazy_recount(cs, n, centred);
}

// Batches [first_batch, first_batch + batches) of the epoch, rates[k] for the k-th of them. Optional (NULL): mean (x̄),
// factor (D), s2 (S²), lambda (λ, for the last batch's gradient), w. Scratch: wr (B), rows (2·B: this batch's rows
// and the next one's). The epoch's last batch, when among these, writes last_theta (θ before its step) and g (its
// D∘g_B − s·Σwr·x̄ + λ∘θ). Adds each row's w·r² to *sum_squares in order. columns: 5·n float64 of scratch (the
// columns' state side by side).
template <class T, class C>
static void csr_lazy_batches_with(const csr_index* ptr, const int* col, const T* val, const T* y, const double* w,
                                  ep_i64 m, ep_i64 n, ep_i64 seed, ep_i64 epoch, ep_i64 train, ep_i64 validation_seed,
                                  ep_i64 batch, ep_i64 first_batch, ep_i64 batches, const double* rates, double* v,
                                  const double* d, const double* mean, const double* factor, const double* s2,
                                  const double* lambda, double lambda_s2, double target_mean, double tau, double* state,
                                  double* wr, ep_i64* rows, double* last_theta, double* g, double* sum_squares,
                                  double* columns) {
    const double smallest_scale = 0x1p-200;
    // Each column's state side by side in `columns` (absent ones as 1 or 0, which change no value: x·1 = x); v is copied
    // back at the end.
    C* cs = (C*) columns;
    for (ep_i64 j = 0; j < n; j++) {
        cs[j].set(v[j], d[j], factor == NULL ? 1.0 : factor[j], s2 == NULL ? 1.0 : s2[j], mean == NULL ? 0.0 : mean[j]);
    }
    EpRows order;
    order.init(seed, epoch, m, train, validation_seed);
    const ep_i64 last_batch_start = (train - 1) / batch * batch;
    // the state in locals (stores into v cannot alias them): a, c, x̄ᵀv, x̄ᵀd
    double a = state[0], c = state[1], xv = state[2];
    const double xd = state[3];
    double total = *sum_squares;
    // the two halves of `rows` hold this batch's rows and the next one's (in this call, so that its first row can be
    // prefetched), swapped from batch to batch
    ep_i64* next = rows + batch;
    ep_i64 next_count = 0;
    if (batches > 0) {
        ep_i64 from = first_batch * batch;
        next_count = train - from < batch ? train - from : batch;
        order.training_rows(from, next, next_count);
    }
    for (ep_i64 q = 0; q < batches; q++) {
        ep_i64 from = (first_batch + q) * batch;
        ep_i64 k = next_count;
        ep_i64* swapped = rows;
        rows = next;
        next = swapped;
        next_count = 0;
        if (q + 1 < batches) {
            ep_i64 after = from + batch;
            next_count = train - after < batch ? train - after : batch;
            order.training_rows(after, next, next_count);
        }
        double scale = 2.0 / (double) k;
        bool last = from == last_batch_start;
        if (last) {
            for (ep_i64 j = 0; j < n; j++) {
                last_theta[j] = a * cs[j].v + c * cs[j].d();
            }
        }
        double b = mean != NULL ? target_mean - (a * xv + c * xd) : 0;
        double sum_wr = 0;
        for (ep_i64 r = 0; r < k; r++) {
            ep_i64 i = rows[r];
            // x_iᵀv and x_iᵀd, each in eight interleaved sums (entry positions ≡ c mod 8) combined as
            // csr_chains_combined, then the row's last (length mod 8) entries in order
            double pv[8] = {0, 0, 0, 0, 0, 0, 0, 0};
            double pd[8] = {0, 0, 0, 0, 0, 0, 0, 0};
            csr_index e = ptr[i];
            const csr_index end = ptr[i + 1];
            // the batch's next row, read from memory while this one is summed (the rows lie at random places)
            const bool prefetching = r + 1 < k;
            const csr_index ahead = prefetching ? ptr[rows[r + 1]] - e : 0;
            for (; e + 8 <= end; e += 8) {
                if (prefetching) {
                    csr_prefetch_entry(col, val, e - ptr[i], e + ahead);
                }
                for (int u = 0; u < 8; u++) {
                    const C& cj = cs[col[e + u]];
                    double xij = (double) val[e + u] * cj.factor();
                    pv[u] += xij * cj.v;
                    pd[u] += xij * cj.d();
                }
            }
            double dv = csr_chains_combined(pv);
            double dd = csr_chains_combined(pd);
            for (; e < end; e++) {
                const C& cj = cs[col[e]];
                double xij = (double) val[e] * cj.factor();
                dv += xij * cj.v;
                dd += xij * cj.d();
            }
            double residual = a * dv + c * dd + (b - tau * (double) y[i]);
            double wi = w == NULL ? 1.0 : w[i];
            wr[r] = wi * residual;
            sum_wr += wr[r];
            total += wr[r] * residual;
        }
        double rate = rates[q];
        double shrink = 1 - rate * lambda_s2;
        double drift = mean != NULL ? rate * scale * sum_wr : 0;
        if (shrink <= 0.25) { // a step that shrinks θ this much (or flips it): taken densely, v ← shrink·θ
            csr_lazy_fold(cs, n, mean != NULL, &a, &c);
            for (ep_i64 j = 0; j < n; j++) {
                cs[j].v *= shrink;
            }
            xv = csr_lazy_recount(cs, n, mean != NULL);
            c = drift;
        } else {
            if (__builtin_fabs(a * shrink) < smallest_scale) {
                xv = csr_lazy_fold(cs, n, mean != NULL, &a, &c);
            }
            a *= shrink;
            c = c * shrink + drift;
        }
        for (ep_i64 r = 0; r < k; r++) {
            ep_i64 i = rows[r];
            double coefficient = -rate * scale * wr[r] / a;
            // v_j += δ_j over the row; x̄ᵀv moves by the row's Σ x̄_j δ_j, summed as the row dots are
            double px[8] = {0, 0, 0, 0, 0, 0, 0, 0};
            csr_index e = ptr[i];
            const csr_index end = ptr[i + 1];
            // the batch's rows come from cache here; the last one's loop reads the next batch's first row from memory
            const bool prefetching = r + 1 == k && next_count > 0;
            const csr_index ahead = prefetching ? ptr[next[0]] - e : 0;
            for (; e + 8 <= end; e += 8) {
                if (prefetching) {
                    csr_prefetch_entry(col, val, e - ptr[i], e + ahead);
                }
                for (int u = 0; u < 8; u++) {
                    C& cj = cs[col[e + u]];
                    double delta = coefficient * (double) val[e + u] * cj.factor() * cj.s2();
                    cj.v += delta;
                    px[u] += cj.mean() * delta;
                }
            }
            double moved = csr_chains_combined(px);
            for (; e < end; e++) {
                C& cj = cs[col[e]];
                double delta = coefficient * (double) val[e] * cj.factor() * cj.s2();
                cj.v += delta;
                moved += cj.mean() * delta;
            }
            if (mean != NULL) {
                xv += moved;
            }
        }
        if (last) { // the last batch's gradient at θ before its step, densely (once an epoch)
            for (ep_i64 j = 0; j < n; j++) {
                g[j] = 0;
            }
            for (ep_i64 r = 0; r < k; r++) {
                ep_i64 i = rows[r];
                for (csr_index e = ptr[i]; e < ptr[i + 1]; e++) {
                    int j = col[e];
                    g[j] += scale * wr[r] * (double) val[e] * cs[j].factor();
                }
            }
            for (ep_i64 j = 0; j < n; j++) {
                g[j] += (mean != NULL ? -scale * sum_wr * mean[j] : 0.0) + (lambda != NULL ? lambda[j] * last_theta[j] : 0.0);
            }
        }
    }
    for (ep_i64 j = 0; j < n; j++) {
        v[j] = cs[j].v;
    }
    state[0] = a;
    state[1] = c;
    state[2] = xv;
    *sum_squares = total;
}

// csr_lazy_batches_with on the compact column state (PlainLazyColumn) when there are no factors and no scales and d is x̄
// (as csr_lazy_begin makes it; 0 without means) — the same bits — else on the full one (LazyColumn).
template <class T>
static void csr_lazy_batches(const csr_index* ptr, const int* col, const T* val, const T* y, const double* w, ep_i64 m,
                             ep_i64 n, ep_i64 seed, ep_i64 epoch, ep_i64 train, ep_i64 validation_seed, ep_i64 batch,
                             ep_i64 first_batch, ep_i64 batches, const double* rates, double* v, const double* d,
                             const double* mean, const double* factor, const double* s2, const double* lambda,
                             double lambda_s2, double target_mean, double tau, double* state, double* wr, ep_i64* rows,
                             double* last_theta, double* g, double* sum_squares, double* columns) {
    bool plain = factor == NULL && s2 == NULL;
    for (ep_i64 j = 0; plain && j < n; j++) {
        double mj = mean == NULL ? 0.0 : mean[j];
        plain = d[j] == mj && __builtin_signbit(d[j]) == __builtin_signbit(mj);
    }
    auto batches_with = plain ? csr_lazy_batches_with<T, PlainLazyColumn> : csr_lazy_batches_with<T, LazyColumn>;
    batches_with(ptr, col, val, y, w, m, n, seed, epoch, train, validation_seed, batch, first_batch, batches, rates, v, d, mean,
                 factor, s2, lambda, lambda_s2, target_mean, tau, state, wr, rows, last_theta, g, sum_squares, columns);
}

inline void csr_lazy_float(const csr_index* ptr, const int* col, const float* val, const float* y, const double* w, ep_i64 m,
                           ep_i64 n, ep_i64 seed, ep_i64 epoch, ep_i64 train, ep_i64 validation_seed, ep_i64 batch,
                           ep_i64 first_batch, ep_i64 batches, const double* rates, double* v, const double* d,
                           const double* mean, const double* factor, const double* s2, const double* lambda,
                           double lambda_s2, double target_mean, double tau, double* state, double* wr, ep_i64* rows,
                           double* last_theta, double* g, double* sum_squares, double* columns) {
    csr_lazy_batches(ptr, col, val, y, w, m, n, seed, epoch, train, validation_seed, batch, first_batch, batches, rates, v, d,
                     mean, factor, s2, lambda, lambda_s2, target_mean, tau, state, wr, rows, last_theta, g, sum_squares,
                     columns);
}

inline void csr_lazy_double(const csr_index* ptr, const int* col, const double* val, const double* y, const double* w,
                            ep_i64 m, ep_i64 n, ep_i64 seed, ep_i64 epoch, ep_i64 train, ep_i64 validation_seed,
                            ep_i64 batch, ep_i64 first_batch, ep_i64 batches, const double* rates, double* v,
                            const double* d, const double* mean, const double* factor, const double* s2,
                            const double* lambda, double lambda_s2, double target_mean, double tau, double* state,
                            double* wr, ep_i64* rows, double* last_theta, double* g, double* sum_squares,
                            double* columns) {
    csr_lazy_batches(ptr, col, val, y, w, m, n, seed, epoch, train, validation_seed, batch, first_batch, batches, rates, v, d,
                     mean, factor, s2, lambda, lambda_s2, target_mean, tau, state, wr, rows, last_theta, g, sum_squares,
                     columns);
}

inline void csr_epoch_float(const csr_index* ptr, const int* col, const float* val, const float* y, const double* w,
                            ep_i64 m, ep_i64 cols, ep_i64 seed, ep_i64 epoch, ep_i64 train, ep_i64 validation_seed,
                            ep_i64 batch, ep_i64 first_batch, ep_i64 batches, const double* rates, float* theta, float* g,
                            double tau, double ymean, const float* means, const float* factors, const float* ridge,
                            const float* s2, const double* kappa, const double* l1s2, float* tt, double* acc,
                            ep_i64* rows, double* avg, const double* avg_factors, double* sum_squares) {
    csr_epoch_batches(ptr, col, val, y, w, m, cols, seed, epoch, train, validation_seed, batch, first_batch, batches, rates,
                      theta, g, tau, ymean, means, factors, ridge, s2, kappa, l1s2, tt, acc, rows, avg, avg_factors,
                      sum_squares);
}

inline void csr_epoch_double(const csr_index* ptr, const int* col, const double* val, const double* y, const double* w,
                             ep_i64 m, ep_i64 cols, ep_i64 seed, ep_i64 epoch, ep_i64 train, ep_i64 validation_seed,
                             ep_i64 batch, ep_i64 first_batch, ep_i64 batches, const double* rates, double* theta, double* g,
                             double tau, double ymean, const double* means, const double* factors, const double* ridge,
                             const double* s2, const double* kappa, const double* l1s2, double* tt, double* acc,
                             ep_i64* rows, double* avg, const double* avg_factors, double* sum_squares) {
    csr_epoch_batches(ptr, col, val, y, w, m, cols, seed, epoch, train, validation_seed, batch, first_batch, batches, rates,
                      theta, g, tau, ymean, means, factors, ridge, s2, kappa, l1s2, tt, acc, rows, avg, avg_factors,
                      sum_squares);
}

}  // namespace downhill

#endif
