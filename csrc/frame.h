/* frame.h -- private frame arithmetic (see frame.c for the rules). */
#ifndef FF_FRAME_H
#define FF_FRAME_H
#include "ff_internal.h"

/* Index of the signal sample that supplies index r of a signal of n samples
 * under the config's edge rule, or -1 when that position is a zero. */
int64_t ff_map_index(const ff_config *c, int64_t r, int64_t n);
/* Last signal index frame f reads (before mapping). */
int64_t ff_frame_last_sample(const ff_config *c, int64_t f);
#endif
