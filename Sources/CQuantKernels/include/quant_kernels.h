#ifndef GLASSBOX_QUANT_KERNELS_H
#define GLASSBOX_QUANT_KERNELS_H
#include <stddef.h>

// Dot products of one block-quantised weight row with float32 activations, dequantising on the fly exactly as
// the GGML block formats define (the sums are reassociated, so results differ from dequantise-then-dot only by
// float32 rounding). nb = number of 32-element blocks; x holds nb * 32 floats.
// xsums[b] = sum of x[32b ..< 32b + 32] (needed for the Q4_1 block offsets).
float gb_dot_q4_1(const void *row, const float *x, const float *xsums, size_t nb);
float gb_dot_q4_0(const void *row, const float *x, size_t nb);
float gb_dot_q8_0(const void *row, const float *x, size_t nb);
// Rows of nb blocks dequantised exactly (the product rounded before an offset is added, as the formats define).
void gb_dequant_q4_0(const void *row, float *y, size_t nb);
void gb_dequant_q4_1(const void *row, float *y, size_t nb);
void gb_dequant_q8_0(const void *row, float *y, size_t nb);

// Which implementation the three functions above dispatch to on this CPU: "avx512", "avx2" or "portable".
const char *gb_quant_kernel_name(void);



// A spin-wait hint for busy loops (PAUSE on x86).
void gb_cpu_relax(void);
// Names the calling thread (at most 15 bytes are kept), as `top -H` and /proc/self/task/*/comm show it.
void gb_set_thread_name(const char *name);
#endif
