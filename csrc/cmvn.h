/*
 * cmvn.h -- streaming sliding-window CMVN (private), Kaldi's apply-cmvn-sliding
 * with center=false: row t is normalised with the statistics (float64 sums)
 * of rows [t - window, t + 1), clipped at 0, and the first min_window rows
 * with those of rows [0, min_window) (or of every row when the utterance is
 * shorter), so they wait until min_window rows exist or the stream ends.
 *   out = x - sum / n;  with norm_vars: out *= (sumsq / n - sum^2 / n^2)^-0.5
 *   (variance floored at 1e-10; 0 when n == 1).
 *
 * Online mode (Kaldi online2 OnlineCmvn without speaker stats): row t is out
 * at once, normalised with the statistics of rows [t - window + 1, t + 1)
 * (clipped at 0); while they count n < window rows, min(window - n,
 * global_frames) rows' worth of the global statistics are added (Kaldi's
 * SmoothOnlineCmvnStats); then ApplyCmvn: out = x - mean, with norm_vars
 * (x - mean) / std, variance floored at 1e-20.
 */
#ifndef FF_CMVN_H
#define FF_CMVN_H
#include "ff_internal.h"

typedef struct {
    int32_t dim, window, min_window, norm_vars;
    int32_t global_frames;  /* > 0: online mode with global statistics */
    const double *global;   /* 2 x (dim + 1), Kaldi's layout (owned by the caller) */
    float *ring;           /* the last window + 2 rows received, row r at r % cap */
    int64_t cap;
    double *sum, *sumsq;   /* over rows [ws, we) */
    int64_t ws, we;
    int64_t n_in, n_out;   /* rows received, rows emitted */
} ff_cmvn_state;

ff_status ff_cmvn_init(ff_cmvn_state *c, int32_t dim, int32_t window, int32_t min_window,
                       int32_t norm_vars);
/* Switch an initialised state to the online mode (global: 2 x (dim + 1), count > 0). */
void ff_cmvn_set_global(ff_cmvn_state *c, int32_t global_frames, const double *global);
void ff_cmvn_release(ff_cmvn_state *c);
void ff_cmvn_reset(ff_cmvn_state *c);
int64_t ff_cmvn_bytes(const ff_cmvn_state *c);
/* Rows emitted once `more` further rows arrived (flushed: the utterance ended). */
int64_t ff_cmvn_rows_for(const ff_cmvn_state *c, int64_t more, int flushed);
/* Take n rows (stride dim); write the rows that became ready to out; *n_out. */
void ff_cmvn_feed(ff_cmvn_state *c, const float *rows, int64_t n, int flushed, float *out,
                  int64_t *n_out);
#endif
