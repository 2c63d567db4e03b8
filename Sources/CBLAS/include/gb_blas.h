#ifndef GLASSBOX_BLAS_H
#define GLASSBOX_BLAS_H
#include <stddef.h>

// The CPU's identity and the instruction-set features that decide which matrix kernels run.
typedef struct {
    char vendor[16];
    char brand[64];
    int family, model, stepping;
    // x86-64 (each also requires the OS to save the register state, checked with xgetbv).
    int sse42, avx, avx2, fma, f16c;
    int avx512f, avx512bw, avx512dq, avx512vl, avx512vnni, avx512bf16, avxvnni;
    // arm64
    int neon, sve, dotprod;
    int is_x86_64, is_arm64;
} gb_cpu_info;

// Fills `info` from cpuid / xgetbv (x86-64) or the auxiliary vector (arm64).
void gb_cpu_detect(gb_cpu_info *info);

// The OpenBLAS kernel family Glassbox asks for on this CPU, chosen from its features (never from a table of
// CPU models): "SkylakeX" with AVX-512 F/BW/DQ/VL, "Haswell" with AVX2 + FMA, "Sandybridge" with AVX,
// "Prescott" otherwise on x86-64; NULL elsewhere (OpenBLAS's own feature probe on arm64).
const char *gb_blas_kernel_for(const gb_cpu_info *info);

// Loads OpenBLAS (libopenblas.so.0) with OPENBLAS_CORETYPE = `coretype` (unless NULL) and one BLAS thread, and
// resolves the entry points. Returns 0 on success; otherwise non-zero with a message in `err`. May be called
// again after gb_blas_unload() with another kernel.
int gb_blas_load(const char *coretype, char *err, size_t errlen);
void gb_blas_unload(void);

// What the loaded library says of itself ("Cooperlake", "OpenBLAS 0.3.21 DYNAMIC_ARCH ..."), or "" before loading.
const char *gb_blas_corename(void);
const char *gb_blas_config(void);
// The shared object that was loaded, or "".
const char *gb_blas_path(void);

// Row-major C = alpha op(A) op(B) + beta C (op = transpose when trans* != 0): OpenBLAS when loaded, otherwise
// the portable blocked kernel below.
void gb_sgemm(int transA, int transB, int M, int N, int K, float alpha, const float *A, int lda,
              const float *B, int ldb, float beta, float *C, int ldc);

// The portable kernel (plain C, cache-blocked): used when OpenBLAS cannot be loaded, and as the reference
// that checks a loaded kernel's results.
void gb_sgemm_portable(int transA, int transB, int M, int N, int K, float alpha, const float *A, int lda,
                       const float *B, int ldb, float beta, float *C, int ldc);

// Best-of-n GFLOP/s of a register-bound FMA loop on one thread, at the widest vector width this CPU has
// (the machine's fp32 peak per core).
double gb_fma_peak_gflops(void);
#endif
