/* ff_internal.h -- private helpers shared by the engine's .c files. */
#ifndef FF_INTERNAL_H
#define FF_INTERNAL_H

#include "fastfeat.h"

/* Strict C99 has no M_PI. */
#define FF_PI 3.14159265358979323846
#define FF_2PI 6.28318530717958647692
#define FF_LN10 2.30258509299404568402

/* Frames processed together, structure-of-arrays: sample i of lane l lives at
 * buf[i * lanes + l], so every stage's inner loop runs across frames and is
 * vectorised by the compiler. */
#define FF_LANES 16

/* Eight floats as one value (GNU vector extension, gcc and clang): each
 * operation is the element-wise IEEE operation, so results are those of the
 * scalar loop, but the compiler keeps accumulators in registers (one AVX2 /
 * AVX-512VL register each in the x86-64-v3 / v4 clones; gcc 12 leaves them on
 * the stack in the SSE2 clone) instead of storing them per step.  A row of a
 * full block (FF_LANES = 16 floats) is two.  8 and not 16: gcc keeps a
 * vector wider than the target's registers on the stack.  Without FF_V8 the
 * kernels take their runtime-lane loops. */
#if defined(__GNUC__)
#define FF_V8 1
typedef float ff_v8 __attribute__((vector_size(8 * sizeof(float))));
/* The same type at any float address (as the compilers' own __m256_u). */
typedef float ff_v8u __attribute__((vector_size(8 * sizeof(float)), aligned(4), may_alias));
#define FF_V8_AT(p) (*(ff_v8u *)(p))
#define FF_V8_CAT(p) (*(const ff_v8u *)(p))
#if defined(__clang__) || __GNUC__ >= 12
#define FF_V8_SHUFFLE 1 /* __builtin_shufflevector */
#endif
#endif

/* Hot loops are compiled several times and picked at load time (x86-64 ifunc),
 * so the shipped build runs on any x86-64 and uses AVX2+FMA (x86-64-v3) or
 * AVX-512 (x86-64-v4) where present.  The psABI levels match any CPU with the
 * features; "arch=haswell" etc. would match only those exact models.
 * setup.py defines FF_NO_CLONES when the compiler lacks them (gcc < 12), and
 * FASTFEAT_NATIVE builds (-march=native) need no clones. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && \
    defined(__linux__) && !defined(FF_NO_CLONES)
#define FF_CLONES 1
#define FF_HOT __attribute__((target_clones("default", "arch=x86-64-v3", "arch=x86-64-v4")))
#else
#define FF_HOT
#endif

#endif
