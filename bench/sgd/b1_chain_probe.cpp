// The floor of a B = 1 SGD epoch under downhill's float32 arithmetic (issue 15, bar 1): the step of one row as the cpu
// backend's epoch rounds it (θ a float32 vector: the row dot and x̄ᵀθ in float64, a = (float) r, g_j = (float)((double)
// (a·x_j + a·x_j) + α·x̄_j), θ_j = (float)(θ_j − η·g_j)), with nothing else in the loop: θ in ymm registers, the row
// order precomputed (a shuffled permutation), the next rows prefetched, n = 20 (five vectors of four), centred. Its
// time a row is the dependency chain θ → x·θ → r → θ plus what memory adds; compare it with the shipped epoch
// (`downhill fit --solver sgd --batch-size 1`, or a harness over downhill_epoch.h's epoch_float).
//
//   g++ -O3 -std=c++17 bench/sgd/b1_chain_probe.cpp -o /tmp/b1 && /tmp/b1 X.npy   (X: float32 .npy of m × 20, C order)
//
// 2-core Zen 5 VM, 2,000,000 × 20 from `downhill gen`: ~27 ns a row (the shipped loop: ~33 ns in a C harness with the
// row producer; session 17).
#include <cstdio>
#include <cstdlib>
#include <vector>
#include <chrono>
#include <algorithm>
#include <random>
#include <immintrin.h>
#include <sys/mman.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
__attribute__((target("avx2"))) __attribute__((noinline))
double epoch(const float* x, const float* y, const long* order, long m, const float* means, double ymean, double rate, float* theta_out) {
  const int V=5;
  __m256d th[V], mu[V];
  for(int k=0;k<V;k++){ th[k]=_mm256_setzero_pd(); mu[k]=_mm256_cvtps_pd(_mm_loadu_ps(means+4*k)); }
  const __m256d mr=_mm256_set1_pd(-rate);
  double total=0;
  for(long q=0;q<m;q++){
    if(q+16<m){ const char* p=(const char*)(x+order[q+16]*20); _mm_prefetch(p,_MM_HINT_T0); _mm_prefetch(p+64,_MM_HINT_T0); _mm_prefetch((const char*)(y+order[q+16]),_MM_HINT_T0);}
    long i=order[q]; const float* xi=x+i*20;
    __m128 xf[V]; __m256d xd[V];
    for(int k=0;k<V;k++){ xf[k]=_mm_loadu_ps(xi+4*k); xd[k]=_mm256_cvtps_pd(xf[k]); }
    // dot16 order: s0 gets 0..3 and tail 16..19
    __m256d s0=_mm256_add_pd(_mm256_add_pd(_mm256_setzero_pd(),_mm256_mul_pd(xd[0],th[0])),_mm256_mul_pd(xd[4],th[4]));
    __m256d s1=_mm256_add_pd(_mm256_setzero_pd(),_mm256_mul_pd(xd[1],th[1]));
    __m256d s2=_mm256_add_pd(_mm256_setzero_pd(),_mm256_mul_pd(xd[2],th[2]));
    __m256d s3=_mm256_add_pd(_mm256_setzero_pd(),_mm256_mul_pd(xd[3],th[3]));
    __m256d t=_mm256_add_pd(_mm256_add_pd(s0,s1),_mm256_add_pd(s2,s3));
    __m256d m0=_mm256_add_pd(_mm256_add_pd(_mm256_setzero_pd(),_mm256_mul_pd(mu[0],th[0])),_mm256_mul_pd(mu[4],th[4]));
    __m256d m1=_mm256_add_pd(_mm256_setzero_pd(),_mm256_mul_pd(mu[1],th[1]));
    __m256d m2=_mm256_add_pd(_mm256_setzero_pd(),_mm256_mul_pd(mu[2],th[2]));
    __m256d m3=_mm256_add_pd(_mm256_setzero_pd(),_mm256_mul_pd(mu[3],th[3]));
    __m256d tm=_mm256_add_pd(_mm256_add_pd(m0,m1),_mm256_add_pd(m2,m3));
    // horizontal (l0+l1)+(l2+l3) of both at once
    __m256d lo=_mm256_permute2f128_pd(t,tm,0x20), hi=_mm256_permute2f128_pd(t,tm,0x31); // [t0 t1 m0 m1], [t2 t3 m2 m3]
    __m256d h=_mm256_hadd_pd(lo,hi); // [t0+t1, t2+t3, m0+m1, m2+m3]
    __m128d hh=_mm_hadd_pd(_mm256_castpd256_pd128(h),_mm256_extractf128_pd(h,1)); // [d, md]
    double d=_mm_cvtsd_f64(hh), md=_mm_cvtsd_f64(_mm_unpackhi_pd(hh,hh));
    double b=ymean-md;
    double r=d+b-1.0*(double)y[i];
    total+=r*r;
    double sum=0.0+(0.0+r);
    float a=(float)r;
    __m256d alpha=_mm256_set1_pd(-2.0*sum);
    __m128 af=_mm_set1_ps(a);
    for(int k=0;k<V;k++){
      __m128 p=_mm_mul_ps(af,xf[k]); p=_mm_add_ps(_mm_add_ps(p,p),_mm_setzero_ps());
      __m256d g=_mm256_add_pd(_mm256_cvtps_pd(p),_mm256_mul_pd(alpha,mu[k]));
      __m128 gf=_mm256_cvtpd_ps(g);
      __m256d nt=_mm256_add_pd(th[k],_mm256_mul_pd(mr,_mm256_cvtps_pd(gf)));
      th[k]=_mm256_cvtps_pd(_mm256_cvtpd_ps(nt));
    }
  }
  for(int k=0;k<V;k++) _mm_storeu_ps(theta_out+4*k,_mm256_cvtpd_ps(th[k]));
  return total;
}
int main(int argc, char** argv) {
  if (argc < 2) { fprintf(stderr, "usage: b1_chain_probe X.npy (float32, m x 20)\n"); return 2; }
  int fd = open(argv[1], O_RDONLY); struct stat st; fstat(fd, &st);
  char* base = (char*) mmap(nullptr, st.st_size, PROT_READ, MAP_SHARED, fd, 0);
  unsigned short header = *(unsigned short*) (base + 8); // .npy v1: header length at bytes 8-9
  long offset = 10 + header;
  long m = (st.st_size - offset) / (20 * 4);
  const float* x = (const float*) (base + offset);
  std::vector<float> y(m), mu(20, 0.01f), th(20);
  srand(1); for (long i = 0; i < m; i++) y[i] = (float) (rand() / (double) RAND_MAX);
  std::vector<long> order(m); for (long i = 0; i < m; i++) order[i] = i;
  std::shuffle(order.begin(), order.end(), std::mt19937_64(1));
  std::vector<double> ts;
  for (int r = 0; r < 7; r++) {
    auto t0 = std::chrono::steady_clock::now();
    epoch(x, y.data(), order.data(), m, mu.data(), 0.5, 1e-3, th.data());
    ts.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(ts.begin(), ts.end());
  printf("m = %ld, n = 20: %.2f ns a row (median of 7), min %.2f (theta0 %g)\n", m, ts[3] / m * 1e9, ts[0] / m * 1e9, th[0]);
}
