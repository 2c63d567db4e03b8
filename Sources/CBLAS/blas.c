// OpenBLAS loaded at run time, after Glassbox has chosen its kernel from the CPU's features.
//
// OpenBLAS builds with DYNAMIC_ARCH pick their kernel once, when the library is loaded, from a table of CPU models;
// a CPU newer than the table gets the generic SSE kernels (Debian 12's 0.3.21 on recent Xeons: 24 instead of ~110
// GFLOP/s per core). It honours OPENBLAS_CORETYPE at that moment, so the library is not linked: it is opened with
// dlopen after the variable is set, and every product goes through the function pointer resolved here.
#define _GNU_SOURCE
#include "gb_blas.h"
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { RowMajor = 101, NoTrans = 111, Trans = 112 };
typedef void (*sgemm_fn)(int, int, int, int, int, int, float, const float *, int, const float *, int, float, float *, int);
typedef void (*set_threads_fn)(int);
typedef char *(*string_fn)(void);

static void *handle;
static sgemm_fn blas_sgemm;
static char corename[64], config[256], path[512];

// Sets an environment variable for the load only, remembering the value to put back (child processes such as
// the tests' own `glassbox` runs must see the user's environment, not ours).
typedef struct { const char *name; char *saved; int had; } env_override;

static void env_set(env_override *o, const char *name, const char *value) {
    const char *old = getenv(name);
    o->name = name; o->had = old != NULL; o->saved = old ? strdup(old) : NULL;
    setenv(name, value, 1);
}

static void env_restore(env_override *o) {
    if (!o->name) return;
    if (o->had && o->saved) setenv(o->name, o->saved, 1); else unsetenv(o->name);
    free(o->saved);
    o->name = NULL; o->saved = NULL;
}

static void *open_library(void);

int gb_blas_load(const char *coretype, char *err, size_t errlen) {
    gb_blas_unload();
    // OpenBLAS reads both variables once, while it loads: the kernel, and one thread (Glassbox splits products
    // across its own threads; OpenBLAS's pool would oversubscribe the cores).
    env_override core = {0}, threads = {0};
    if (coretype) env_set(&core, "OPENBLAS_CORETYPE", coretype);
    env_set(&threads, "OPENBLAS_NUM_THREADS", "1");
    const char *last = "";
    handle = open_library();
    if (!handle) { const char *e = dlerror(); if (e) last = e; }
    env_restore(&core);
    env_restore(&threads);
    if (!handle) {
        snprintf(err, errlen, "OpenBLAS (libopenblas.so.0) could not be loaded: %.200s", last);
        return 1;
    }
    blas_sgemm = (sgemm_fn)dlsym(handle, "cblas_sgemm");
    set_threads_fn set_threads = (set_threads_fn)dlsym(handle, "openblas_set_num_threads");
    string_fn get_core = (string_fn)dlsym(handle, "openblas_get_corename");
    string_fn get_config = (string_fn)dlsym(handle, "openblas_get_config");
    if (!blas_sgemm) {
        snprintf(err, errlen, "%s has no cblas_sgemm", path);
        gb_blas_unload();
        return 1;
    }
    if (set_threads) set_threads(1);
    snprintf(corename, sizeof corename, "%s", get_core ? get_core() : "unknown");
    snprintf(config, sizeof config, "%s", get_config ? get_config() : "");
    Dl_info info;
    if (dladdr((void *)blas_sgemm, &info) && info.dli_fname) snprintf(path, sizeof path, "%s", info.dli_fname);
    return 0;
}

static void *open_library(void) {
    static const char *names[] = {
        "libopenblas.so.0", "libopenblas.so", "libopenblasp.so.0",
        "/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so.0",
        "/usr/lib/aarch64-linux-gnu/openblas-pthread/libopenblas.so.0",
    };
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        void *h = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
        if (h) { snprintf(path, sizeof path, "%s", names[i]); return h; }
    }
    return NULL;
}

void gb_blas_unload(void) {
    if (handle) dlclose(handle);
    handle = NULL; blas_sgemm = NULL;
    corename[0] = config[0] = path[0] = 0;
}

const char *gb_blas_corename(void) { return corename; }
const char *gb_blas_config(void) { return config; }
const char *gb_blas_path(void) { return path; }

void gb_sgemm(int transA, int transB, int M, int N, int K, float alpha, const float *A, int lda,
              const float *B, int ldb, float beta, float *C, int ldc) {
    if (blas_sgemm)
        blas_sgemm(RowMajor, transA ? Trans : NoTrans, transB ? Trans : NoTrans, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    else
        gb_sgemm_portable(transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

// Blocks of op(B) (KB x NB) are packed contiguously so that the inner loop runs over contiguous rows of C and
// of the packed block, which compilers vectorise.
enum { KB = 256, NB = 512 };

void gb_sgemm_portable(int transA, int transB, int M, int N, int K, float alpha, const float *A, int lda,
                       const float *B, int ldb, float beta, float *C, int ldc) {
    for (int i = 0; i < M; i++) {
        float *c = C + (size_t)i * ldc;
        if (beta == 0) memset(c, 0, sizeof(float) * (size_t)N);
        else if (beta != 1) for (int j = 0; j < N; j++) c[j] *= beta;
    }
    if (K == 0 || alpha == 0) return;
    float *packed = malloc(sizeof(float) * KB * NB);
    if (!packed) return;
    for (int jc = 0; jc < N; jc += NB) {
        int nb = N - jc < NB ? N - jc : NB;
        for (int pc = 0; pc < K; pc += KB) {
            int kb = K - pc < KB ? K - pc : KB;
            for (int k = 0; k < kb; k++)
                for (int j = 0; j < nb; j++)
                    packed[k * nb + j] = transB ? B[(size_t)(jc + j) * ldb + pc + k] : B[(size_t)(pc + k) * ldb + jc + j];
            for (int i = 0; i < M; i++) {
                float *restrict c = C + (size_t)i * ldc + jc;
                for (int k = 0; k < kb; k++) {
                    float a = alpha * (transA ? A[(size_t)(pc + k) * lda + i] : A[(size_t)i * lda + pc + k]);
                    const float *restrict b = packed + k * nb;
                    for (int j = 0; j < nb; j++) c[j] += a * b[j];
                }
            }
        }
    }
    free(packed);
}
