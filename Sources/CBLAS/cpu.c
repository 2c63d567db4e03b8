// CPU identity and features: cpuid + xgetbv on x86-64, the auxiliary vector on arm64.
#define _GNU_SOURCE
#include "gb_blas.h"
#include <string.h>
#include <time.h>

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>

static unsigned long long xgetbv0(void) {
    unsigned int lo, hi;
    __asm__ __volatile__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((unsigned long long)hi << 32) | lo;
}

void gb_cpu_detect(gb_cpu_info *info) {
    memset(info, 0, sizeof *info);
    info->is_x86_64 = 1;
    unsigned a, b, c, d, maxLeaf;
    if (!__get_cpuid(0, &maxLeaf, &b, &c, &d)) return;
    memcpy(info->vendor, &b, 4); memcpy(info->vendor + 4, &d, 4); memcpy(info->vendor + 8, &c, 4);
    __get_cpuid(1, &a, &b, &c, &d);
    int family = (a >> 8) & 0xF, model = (a >> 4) & 0xF;
    if (family == 0xF) family += (a >> 20) & 0xFF;
    if (family == 0x6 || family >= 0xF) model += ((a >> 16) & 0xF) << 4;
    info->family = family; info->model = model; info->stepping = a & 0xF;
    int osxsave = (c >> 27) & 1;
    unsigned long long xcr0 = osxsave ? xgetbv0() : 0;
    int ymm = (xcr0 & 0x6) == 0x6, zmm = ymm && (xcr0 & 0xE0) == 0xE0;
    info->sse42 = (c >> 20) & 1;
    info->avx = ymm && ((c >> 28) & 1);
    info->fma = info->avx && ((c >> 12) & 1);
    info->f16c = info->avx && ((c >> 29) & 1);
    if (maxLeaf >= 7) {
        __cpuid_count(7, 0, a, b, c, d);
        info->avx2 = info->avx && ((b >> 5) & 1);
        info->avx512f = zmm && ((b >> 16) & 1);
        info->avx512dq = zmm && ((b >> 17) & 1);
        info->avx512bw = zmm && ((b >> 30) & 1);
        info->avx512vl = zmm && ((b >> 31) & 1);
        info->avx512vnni = zmm && ((c >> 11) & 1);
        __cpuid_count(7, 1, a, b, c, d);
        info->avx512bf16 = zmm && ((a >> 5) & 1);
        info->avxvnni = info->avx && ((a >> 4) & 1);
    }
    unsigned maxExt;
    __get_cpuid(0x80000000, &maxExt, &b, &c, &d);
    if (maxExt >= 0x80000004) {
        unsigned regs[12];
        for (unsigned i = 0; i < 3; i++) __get_cpuid(0x80000002 + i, &regs[4 * i], &regs[4 * i + 1], &regs[4 * i + 2], &regs[4 * i + 3]);
        memcpy(info->brand, regs, 48);
        info->brand[48] = 0;
        // Trim the padding some CPUs put around the name.
        char *s = info->brand;
        while (*s == ' ') s++;
        memmove(info->brand, s, strlen(s) + 1);
        for (size_t n = strlen(info->brand); n > 0 && info->brand[n - 1] == ' '; n--) info->brand[n - 1] = 0;
    }
}

const char *gb_blas_kernel_for(const gb_cpu_info *i) {
    if (i->avx512f && i->avx512bw && i->avx512dq && i->avx512vl) return "SkylakeX";
    if (i->avx2 && i->fma) return "Haswell";
    if (i->avx) return "Sandybridge";
    return "Prescott";
}

static double seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

// Twelve independent FMA chains hide the FMA latency on every current core; each iteration does 12 FMAs of
// `lanes` floats.
#define CHAINS(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11)

__attribute__((target("avx512f"))) static double peak512(long iters) {
    __m512 m = _mm512_set1_ps(0.9999f), k = _mm512_set1_ps(1e-4f);
#define DECL(i) __m512 a##i = _mm512_set1_ps((float)i);
    CHAINS(DECL)
#undef DECL
    double t = seconds();
    for (long it = 0; it < iters; it++) {
#define STEP(i) a##i = _mm512_fmadd_ps(a##i, m, k);
        CHAINS(STEP)
#undef STEP
        __asm__ __volatile__("" : "+v"(a0), "+v"(a1), "+v"(a2), "+v"(a3), "+v"(a4), "+v"(a5));
    }
    t = seconds() - t;
    __m512 s = _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(a0, a1), _mm512_add_ps(a2, a3)),
                             _mm512_add_ps(_mm512_add_ps(a4, a5), _mm512_add_ps(a6, a7)));
    s = _mm512_add_ps(s, _mm512_add_ps(_mm512_add_ps(a8, a9), _mm512_add_ps(a10, a11)));
    volatile float sink = _mm512_reduce_add_ps(s); (void)sink;
    return 2.0 * 16 * 12 * (double)iters / t / 1e9;
}

__attribute__((target("avx2,fma"))) static double peak256(long iters) {
    __m256 m = _mm256_set1_ps(0.9999f), k = _mm256_set1_ps(1e-4f);
#define DECL(i) __m256 a##i = _mm256_set1_ps((float)i);
    CHAINS(DECL)
#undef DECL
    double t = seconds();
    for (long it = 0; it < iters; it++) {
#define STEP(i) a##i = _mm256_fmadd_ps(a##i, m, k);
        CHAINS(STEP)
#undef STEP
        __asm__ __volatile__("" : "+x"(a0), "+x"(a1), "+x"(a2), "+x"(a3), "+x"(a4), "+x"(a5));
    }
    t = seconds() - t;
    __m256 s = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)),
                             _mm256_add_ps(_mm256_add_ps(a4, a5), _mm256_add_ps(a6, a7)));
    s = _mm256_add_ps(s, _mm256_add_ps(_mm256_add_ps(a8, a9), _mm256_add_ps(a10, a11)));
    float out[8]; _mm256_storeu_ps(out, s);
    volatile float sink = out[0]; (void)sink;
    return 2.0 * 8 * 12 * (double)iters / t / 1e9;
}

double gb_fma_peak_gflops(void) {
    gb_cpu_info info;
    gb_cpu_detect(&info);
    double best = 0;
    for (int r = 0; r < 5; r++) {
        double g = 0;
        if (info.avx512f) { double p = peak512(1 << 20); if (p > g) g = p; }
        if (info.avx2 && info.fma) { double p = peak256(1 << 20); if (p > g) g = p; }
        if (g > best) best = g;
    }
    return best;
}

#else  // not x86-64

#if defined(__aarch64__) && defined(__linux__)
#include <sys/auxv.h>
#endif

void gb_cpu_detect(gb_cpu_info *info) {
    memset(info, 0, sizeof *info);
#if defined(__aarch64__)
    info->is_arm64 = 1;
    info->neon = 1;
#if defined(__linux__)
    unsigned long hw = getauxval(AT_HWCAP);
    info->dotprod = (hw >> 20) & 1;   // HWCAP_ASIMDDP
    info->sve = (hw >> 22) & 1;       // HWCAP_SVE
#endif
#endif
}

const char *gb_blas_kernel_for(const gb_cpu_info *i) { (void)i; return NULL; }

double gb_fma_peak_gflops(void) {
    // Four independent float chains the compiler vectorises is not a peak; report 0 (unknown) rather than guess.
    return 0;
}
#endif
