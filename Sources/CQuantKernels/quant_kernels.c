#define _GNU_SOURCE
// SIMD kernels for quantised matrix-vector products (decode). AVX2 + FMA + F16C on x86-64, portable C elsewhere.
#include "quant_kernels.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__AVX2__) && defined(__FMA__) && defined(__F16C__)
#include <immintrin.h>

static inline float half_to_float(const uint8_t *p) {
    uint16_t h; memcpy(&h, p, 2);
    return _cvtsh_ss(h);
}

static inline float hsum(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

// The 32 nibbles of a Q4 block as floats: low nibbles are elements 0-15, high nibbles 16-31.
static inline void q4_unpack(const uint8_t *qs, __m256 *l0, __m256 *l1, __m256 *h0, __m256 *h1) {
    __m128i b = _mm_loadu_si128((const __m128i *)qs);
    __m128i mask = _mm_set1_epi8(0x0F);
    __m128i lo = _mm_and_si128(b, mask), hi = _mm_and_si128(_mm_srli_epi16(b, 4), mask);
    *l0 = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(lo));
    *l1 = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_srli_si128(lo, 8)));
    *h0 = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(hi));
    *h1 = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_srli_si128(hi, 8)));
}

static inline __m256 dot32(__m256 l0, __m256 l1, __m256 h0, __m256 h1, const float *x) {
    __m256 p0 = _mm256_mul_ps(l0, _mm256_loadu_ps(x));
    __m256 p1 = _mm256_mul_ps(l1, _mm256_loadu_ps(x + 8));
    p0 = _mm256_fmadd_ps(h0, _mm256_loadu_ps(x + 16), p0);
    p1 = _mm256_fmadd_ps(h1, _mm256_loadu_ps(x + 24), p1);
    return _mm256_add_ps(p0, p1);
}

// Q4_1 block: sum_j q_j x_j (the scale and offset are applied by the caller).
static inline __m256 q4_block(const uint8_t *qs, const float *x) {
    __m256 l0, l1, h0, h1;
    q4_unpack(qs, &l0, &l1, &h0, &h1);
    return dot32(l0, l1, h0, h1, x);
}

// Q4_0 block: sum_j (q_j - 8) x_j.
static inline __m256 q4_block_centred(const uint8_t *qs, const float *x) {
    __m256 l0, l1, h0, h1, eight = _mm256_set1_ps(8.0f);
    q4_unpack(qs, &l0, &l1, &h0, &h1);
    return dot32(_mm256_sub_ps(l0, eight), _mm256_sub_ps(l1, eight), _mm256_sub_ps(h0, eight), _mm256_sub_ps(h1, eight), x);
}

static inline __m256 q8_block(const uint8_t *q, const float *x) {
    __m256 p0 = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)q))), _mm256_loadu_ps(x));
    __m256 p1 = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)(q + 8)))), _mm256_loadu_ps(x + 8));
    p0 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)(q + 16)))), _mm256_loadu_ps(x + 16), p0);
    p1 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)(q + 24)))), _mm256_loadu_ps(x + 24), p1);
    return _mm256_add_ps(p0, p1);
}

static float dot_q4_1_avx2(const void *row, const float *x, const float *xsums, size_t nb) {
    const uint8_t *p = (const uint8_t *)row;
    __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
    // The block offset m contributes m * sum(x over the block); the sums are computed once per vector.
    float off0 = 0, off1 = 0;
    size_t b = 0;
    for (; b + 1 < nb; b += 2, p += 40, x += 64) {
        __m256 s0 = q4_block(p + 4, x), s1 = q4_block(p + 24, x + 32);
        acc0 = _mm256_fmadd_ps(s0, _mm256_set1_ps(half_to_float(p)), acc0);
        acc1 = _mm256_fmadd_ps(s1, _mm256_set1_ps(half_to_float(p + 20)), acc1);
        off0 += half_to_float(p + 2) * xsums[b];
        off1 += half_to_float(p + 22) * xsums[b + 1];
    }
    if (b < nb) {
        acc0 = _mm256_fmadd_ps(q4_block(p + 4, x), _mm256_set1_ps(half_to_float(p)), acc0);
        off0 += half_to_float(p + 2) * xsums[b];
    }
    return hsum(_mm256_add_ps(acc0, acc1)) + (off0 + off1);
}

static float dot_q4_0_avx2(const void *row, const float *x, size_t nb) {
    const uint8_t *p = (const uint8_t *)row;
    __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
    size_t b = 0;
    for (; b + 1 < nb; b += 2, p += 36, x += 64) {
        acc0 = _mm256_fmadd_ps(q4_block_centred(p + 2, x), _mm256_set1_ps(half_to_float(p)), acc0);
        acc1 = _mm256_fmadd_ps(q4_block_centred(p + 20, x + 32), _mm256_set1_ps(half_to_float(p + 18)), acc1);
    }
    if (b < nb) acc0 = _mm256_fmadd_ps(q4_block_centred(p + 2, x), _mm256_set1_ps(half_to_float(p)), acc0);
    return hsum(_mm256_add_ps(acc0, acc1));
}

static float dot_q8_0_avx2(const void *row, const float *x, size_t nb) {
    const uint8_t *p = (const uint8_t *)row;
    __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
    size_t b = 0;
    for (; b + 1 < nb; b += 2, p += 68, x += 64) {
        acc0 = _mm256_fmadd_ps(q8_block(p + 2, x), _mm256_set1_ps(half_to_float(p)), acc0);
        acc1 = _mm256_fmadd_ps(q8_block(p + 36, x + 32), _mm256_set1_ps(half_to_float(p + 34)), acc1);
    }
    if (b < nb) acc0 = _mm256_fmadd_ps(q8_block(p + 2, x), _mm256_set1_ps(half_to_float(p)), acc0);
    return hsum(_mm256_add_ps(acc0, acc1));
}

// Whole rows of a block format as float32, exactly as the GGML formats define them (product rounded before the
// offset is added, as gguf-py does): Q4_0 y = (q - 8)·d, Q4_1 y = q·d + m, Q8_0 y = q·d. For prefill, whose
// weight tiles are dequantised for sgemm.
static inline void store_q4_dequant(__m128i q16, __m256 d, __m256 m, int offset, float *y) {
    // q16 holds 16 nibble values (0..15) as bytes; y[0..15] = q·d + m (m = 0 adds nothing exactly).
    __m256 a = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(q16));
    __m256 b = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_srli_si128(q16, 8)));
    if (offset) {
        _mm256_storeu_ps(y, _mm256_add_ps(_mm256_mul_ps(a, d), m));
        _mm256_storeu_ps(y + 8, _mm256_add_ps(_mm256_mul_ps(b, d), m));
    } else {
        _mm256_storeu_ps(y, _mm256_mul_ps(a, d));
        _mm256_storeu_ps(y + 8, _mm256_mul_ps(b, d));
    }
}

void gb_dequant_q4_1(const void *row, float *y, size_t nb) {
    const uint8_t *p = (const uint8_t *)row;
    __m128i mask = _mm_set1_epi8(0x0F);
    for (size_t b = 0; b < nb; b++, p += 20, y += 32) {
        __m256 d = _mm256_set1_ps(half_to_float(p)), m = _mm256_set1_ps(half_to_float(p + 2));
        __m128i q = _mm_loadu_si128((const __m128i *)(p + 4));
        store_q4_dequant(_mm_and_si128(q, mask), d, m, 1, y);
        store_q4_dequant(_mm_and_si128(_mm_srli_epi16(q, 4), mask), d, m, 1, y + 16);
    }
}

void gb_dequant_q4_0(const void *row, float *y, size_t nb) {
    const uint8_t *p = (const uint8_t *)row;
    __m128i mask = _mm_set1_epi8(0x0F);
    __m256i eight = _mm256_set1_epi32(8);
    for (size_t b = 0; b < nb; b++, p += 18, y += 32) {
        __m256 d = _mm256_set1_ps(half_to_float(p));
        __m128i q = _mm_loadu_si128((const __m128i *)(p + 2));
        __m128i lo = _mm_and_si128(q, mask), hi = _mm_and_si128(_mm_srli_epi16(q, 4), mask);
        __m128i parts[2] = {lo, hi};
        for (int h = 0; h < 2; h++) {
            __m256 a = _mm256_cvtepi32_ps(_mm256_sub_epi32(_mm256_cvtepu8_epi32(parts[h]), eight));
            __m256 c = _mm256_cvtepi32_ps(_mm256_sub_epi32(_mm256_cvtepu8_epi32(_mm_srli_si128(parts[h], 8)), eight));
            _mm256_storeu_ps(y + 16 * h, _mm256_mul_ps(a, d));
            _mm256_storeu_ps(y + 16 * h + 8, _mm256_mul_ps(c, d));
        }
    }
}

void gb_dequant_q8_0(const void *row, float *y, size_t nb) {
    const uint8_t *p = (const uint8_t *)row;
    for (size_t b = 0; b < nb; b++, p += 34, y += 32) {
        __m256 d = _mm256_set1_ps(half_to_float(p));
        for (int k = 0; k < 4; k++) {
            __m256 q = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)(p + 2 + 8 * k))));
            _mm256_storeu_ps(y + 8 * k, _mm256_mul_ps(d, q));
        }
    }
}

// AVX-512 forms of the same products: 16 floats per instruction, so each 32-element block is two conversions and
// two FMAs instead of four. Chosen at run time when the CPU has AVX-512 F/BW/VL (the binary itself needs AVX2 only).
#define AVX512_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx2,fma,f16c")))

AVX512_TARGET static inline float hsum512(__m512 v) { return _mm512_reduce_add_ps(v); }

// sum_j q_j x_j over one Q4 block (nibbles as 0..15), as a 16-lane partial.
AVX512_TARGET static inline __m512 q4_block512(const uint8_t *qs, const float *x, __m512i bias) {
    __m128i b = _mm_loadu_si128((const __m128i *)qs);
    __m128i mask = _mm_set1_epi8(0x0F);
    __m512i lo = _mm512_sub_epi32(_mm512_cvtepu8_epi32(_mm_and_si128(b, mask)), bias);
    __m512i hi = _mm512_sub_epi32(_mm512_cvtepu8_epi32(_mm_and_si128(_mm_srli_epi16(b, 4), mask)), bias);
    __m512 p = _mm512_mul_ps(_mm512_cvtepi32_ps(lo), _mm512_loadu_ps(x));
    return _mm512_fmadd_ps(_mm512_cvtepi32_ps(hi), _mm512_loadu_ps(x + 16), p);
}

AVX512_TARGET static float dot_q4_1_avx512(const void *row, const float *x, const float *xsums, size_t nb) {
    const uint8_t *p = (const uint8_t *)row;
    __m512 acc0 = _mm512_setzero_ps(), acc1 = _mm512_setzero_ps();
    __m512i zero = _mm512_setzero_si512();
    float off0 = 0, off1 = 0;
    size_t b = 0;
    for (; b + 1 < nb; b += 2, p += 40, x += 64) {
        acc0 = _mm512_fmadd_ps(q4_block512(p + 4, x, zero), _mm512_set1_ps(half_to_float(p)), acc0);
        acc1 = _mm512_fmadd_ps(q4_block512(p + 24, x + 32, zero), _mm512_set1_ps(half_to_float(p + 20)), acc1);
        off0 += half_to_float(p + 2) * xsums[b];
        off1 += half_to_float(p + 22) * xsums[b + 1];
    }
    if (b < nb) {
        acc0 = _mm512_fmadd_ps(q4_block512(p + 4, x, zero), _mm512_set1_ps(half_to_float(p)), acc0);
        off0 += half_to_float(p + 2) * xsums[b];
    }
    return hsum512(_mm512_add_ps(acc0, acc1)) + (off0 + off1);
}

AVX512_TARGET static float dot_q4_0_avx512(const void *row, const float *x, size_t nb) {
    const uint8_t *p = (const uint8_t *)row;
    __m512 acc0 = _mm512_setzero_ps(), acc1 = _mm512_setzero_ps();
    __m512i eight = _mm512_set1_epi32(8);
    size_t b = 0;
    for (; b + 1 < nb; b += 2, p += 36, x += 64) {
        acc0 = _mm512_fmadd_ps(q4_block512(p + 2, x, eight), _mm512_set1_ps(half_to_float(p)), acc0);
        acc1 = _mm512_fmadd_ps(q4_block512(p + 20, x + 32, eight), _mm512_set1_ps(half_to_float(p + 18)), acc1);
    }
    if (b < nb) acc0 = _mm512_fmadd_ps(q4_block512(p + 2, x, eight), _mm512_set1_ps(half_to_float(p)), acc0);
    return hsum512(_mm512_add_ps(acc0, acc1));
}

AVX512_TARGET static inline __m512 q8_block512(const uint8_t *q, const float *x) {
    __m512 p = _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *)q))), _mm512_loadu_ps(x));
    return _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *)(q + 16)))), _mm512_loadu_ps(x + 16), p);
}

AVX512_TARGET static float dot_q8_0_avx512(const void *row, const float *x, size_t nb) {
    const uint8_t *p = (const uint8_t *)row;
    __m512 acc0 = _mm512_setzero_ps(), acc1 = _mm512_setzero_ps();
    size_t b = 0;
    for (; b + 1 < nb; b += 2, p += 68, x += 64) {
        acc0 = _mm512_fmadd_ps(q8_block512(p + 2, x), _mm512_set1_ps(half_to_float(p)), acc0);
        acc1 = _mm512_fmadd_ps(q8_block512(p + 36, x + 32), _mm512_set1_ps(half_to_float(p + 34)), acc1);
    }
    if (b < nb) acc0 = _mm512_fmadd_ps(q8_block512(p + 2, x), _mm512_set1_ps(half_to_float(p)), acc0);
    return hsum512(_mm512_add_ps(acc0, acc1));
}

typedef float (*dot_xs_fn)(const void *, const float *, const float *, size_t);
typedef float (*dot_fn)(const void *, const float *, size_t);
static dot_xs_fn dot_q4_1_impl = dot_q4_1_avx2;
static dot_fn dot_q4_0_impl = dot_q4_0_avx2, dot_q8_0_impl = dot_q8_0_avx2;
static const char *kernel_name = "avx2";

// Picks the widest kernels this CPU runs before main (GLASSBOX_QUANT_KERNELS=avx2 keeps the AVX2 ones).
__attribute__((constructor)) static void choose_kernels(void) {
    __builtin_cpu_init();
    const char *force = getenv("GLASSBOX_QUANT_KERNELS");
    if (force && strcmp(force, "avx2") == 0) return;
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl")) {
        dot_q4_1_impl = dot_q4_1_avx512; dot_q4_0_impl = dot_q4_0_avx512; dot_q8_0_impl = dot_q8_0_avx512;
        kernel_name = "avx512";
    }
}

float gb_dot_q4_1(const void *row, const float *x, const float *xsums, size_t nb) { return dot_q4_1_impl(row, x, xsums, nb); }
float gb_dot_q4_0(const void *row, const float *x, size_t nb) { return dot_q4_0_impl(row, x, nb); }
float gb_dot_q8_0(const void *row, const float *x, size_t nb) { return dot_q8_0_impl(row, x, nb); }
const char *gb_quant_kernel_name(void) { return kernel_name; }

#else  // portable fallback

static float half_to_float(const uint8_t *p) {
    uint16_t h = (uint16_t)(p[0] | (p[1] << 8));
    uint32_t sign = (uint32_t)(h >> 15) << 31, exp = (h >> 10) & 0x1F, mant = h & 0x3FF, bits;
    if (exp == 0) {
        if (mant == 0) bits = sign;
        else { exp = 127 - 14; while (!(mant & 0x400)) { mant <<= 1; exp--; } mant &= 0x3FF; bits = sign | (exp << 23) | (mant << 13); }
    } else if (exp == 31) bits = sign | 0x7F800000u | (mant << 13);
    else bits = sign | ((exp + 112) << 23) | (mant << 13);
    float f; memcpy(&f, &bits, 4); return f;
}

float gb_dot_q4_1(const void *row, const float *x, const float *xsums, size_t nb) {
    (void)xsums;
    const uint8_t *p = (const uint8_t *)row; float s = 0;
    for (size_t b = 0; b < nb; b++, p += 20, x += 32) {
        float d = half_to_float(p), m = half_to_float(p + 2);
        for (int j = 0; j < 16; j++) s += ((p[4 + j] & 15) * d + m) * x[j] + ((p[4 + j] >> 4) * d + m) * x[j + 16];
    }
    return s;
}

float gb_dot_q4_0(const void *row, const float *x, size_t nb) {
    const uint8_t *p = (const uint8_t *)row; float s = 0;
    for (size_t b = 0; b < nb; b++, p += 18, x += 32) {
        float d = half_to_float(p);
        for (int j = 0; j < 16; j++) s += ((p[2 + j] & 15) - 8) * d * x[j] + ((p[2 + j] >> 4) - 8) * d * x[j + 16];
    }
    return s;
}

const char *gb_quant_kernel_name(void) { return "portable"; }

void gb_dequant_q4_1(const void *row, float *y, size_t nb) {
    const uint8_t *p = (const uint8_t *)row;
    for (size_t b = 0; b < nb; b++, p += 20, y += 32) {
        float d = half_to_float(p), m = half_to_float(p + 2);
        for (int j = 0; j < 16; j++) { y[j] = (float)(p[4 + j] & 15) * d + m; y[j + 16] = (float)(p[4 + j] >> 4) * d + m; }
    }
}

void gb_dequant_q4_0(const void *row, float *y, size_t nb) {
    const uint8_t *p = (const uint8_t *)row;
    for (size_t b = 0; b < nb; b++, p += 18, y += 32) {
        float d = half_to_float(p);
        for (int j = 0; j < 16; j++) { y[j] = (float)((p[2 + j] & 15) - 8) * d; y[j + 16] = (float)((p[2 + j] >> 4) - 8) * d; }
    }
}

void gb_dequant_q8_0(const void *row, float *y, size_t nb) {
    const uint8_t *p = (const uint8_t *)row;
    for (size_t b = 0; b < nb; b++, p += 34, y += 32) {
        float d = half_to_float(p);
        for (int j = 0; j < 32; j++) y[j] = d * (float)(int8_t)p[2 + j];
    }
}


float gb_dot_q8_0(const void *row, const float *x, size_t nb) {
    const uint8_t *p = (const uint8_t *)row; float s = 0;
    for (size_t b = 0; b < nb; b++, p += 34, x += 32) {
        float d = half_to_float(p);
        for (int j = 0; j < 32; j++) s += (float)(int8_t)p[2 + j] * d * x[j];
    }
    return s;
}
#endif

#include <pthread.h>
void gb_set_thread_name(const char *name) {
#if defined(__linux__)
    char buf[16];
    snprintf(buf, sizeof buf, "%s", name);
    pthread_setname_np(pthread_self(), buf);
#else
    (void)name;
#endif
}

void gb_cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}
