/* cmvn.c -- streaming sliding-window CMVN (see cmvn.h for the definition). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cmvn.h"

ff_status ff_cmvn_init(ff_cmvn_state *c, int32_t dim, int32_t window, int32_t min_window,
                       int32_t norm_vars)
{
    memset(c, 0, sizeof *c);
    if (dim < 1 || window < 1 || min_window < 1 || min_window > window) return FF_E_ARG;
    c->dim = dim;
    c->window = window;
    c->min_window = min_window;
    c->norm_vars = norm_vars != 0;
    c->cap = (int64_t)window + 2;
    c->ring = malloc(sizeof(float) * (size_t)(c->cap * dim));
    c->sum = calloc((size_t)dim * 2, sizeof(double));
    if (!c->ring || !c->sum) {
        ff_cmvn_release(c);
        return FF_E_NOMEM;
    }
    c->sumsq = c->sum + dim;
    return FF_OK;
}

void ff_cmvn_set_global(ff_cmvn_state *c, int32_t global_frames, const double *global)
{
    c->global_frames = global_frames;
    c->global = global;
}

void ff_cmvn_release(ff_cmvn_state *c)
{
    free(c->ring);
    free(c->sum);
    c->ring = NULL;
    c->sum = c->sumsq = NULL;
}

void ff_cmvn_reset(ff_cmvn_state *c)
{
    memset(c->sum, 0, sizeof(double) * (size_t)c->dim * 2);
    c->ws = c->we = c->n_in = c->n_out = 0;
}

int64_t ff_cmvn_bytes(const ff_cmvn_state *c)
{
    return (int64_t)(sizeof(float) * (size_t)(c->cap * c->dim) + sizeof(double) * 2 * (size_t)c->dim);
}

/* Rows ready among n_in received rows. */
static int64_t ready(const ff_cmvn_state *c, int64_t n_in, int flushed)
{
    if (flushed || c->global_frames > 0) return n_in;
    return n_in >= c->min_window ? n_in : 0;
}

int64_t ff_cmvn_rows_for(const ff_cmvn_state *c, int64_t more, int flushed)
{
    return ready(c, c->n_in + more, flushed) - c->n_out;
}

static const float *row(const ff_cmvn_state *c, int64_t r)
{
    return c->ring + (r % c->cap) * c->dim;
}

/* Kaldi's window of row t when n rows exist in all (n < 0: not known yet). */
static void window_of(const ff_cmvn_state *c, int64_t t, int64_t n, int64_t *ws, int64_t *we)
{
    int64_t s = t - c->window + (c->global_frames > 0), e = t + 1;
    if (s < 0) s = 0;
    if (c->global_frames > 0) {  /* online: the window ends at t */
        *ws = s;
        *we = e;
        return;
    }
    if (e < c->min_window) e = c->min_window;
    if (n >= 0 && e > n) {
        s -= e - n;
        e = n;
        if (s < 0) s = 0;
    }
    *ws = s;
    *we = e;
}

/* Online mode: the window's statistics smoothed with the global ones, then ApplyCmvn. */
static void normalise_online(const ff_cmvn_state *c, int64_t t, float *out)
{
    const int32_t dim = c->dim;
    const double *g = c->global;
    double count = (double)(c->we - c->ws), scale = 0.0;
    const float *x = row(c, t);
    int32_t d;
    if (count < c->window) {
        double from_global = c->window - count;
        if (from_global > c->global_frames) from_global = c->global_frames;
        scale = from_global / g[dim];
        count += scale * g[dim];
    }
    for (d = 0; d < dim; d++) {
        const double sum = c->sum[d] + scale * g[d];
        const double mean = sum / count;
        double v;
        if (c->norm_vars) {
            double var = (c->sumsq[d] + scale * g[dim + 1 + d]) / count - mean * mean, inv;
            if (var < 1.0e-20) var = 1.0e-20;
            inv = 1.0 / sqrt(var);
            v = (double)x[d] * inv + -mean * inv;
        } else {
            v = (double)x[d] - mean;
        }
        out[d] = (float)v;
    }
}

static void normalise(const ff_cmvn_state *c, int64_t t, float *out)
{
    const int64_t n = c->we - c->ws;
    const float *x = row(c, t);
    int32_t d;
    for (d = 0; d < c->dim; d++) {
        double v = (double)x[d] + (-1.0 / (double)n) * c->sum[d];
        if (c->norm_vars) {
            if (n == 1) {
                v = 0.0;
            } else {
                double var = c->sumsq[d] * (1.0 / (double)n)
                           + (-1.0 / ((double)n * (double)n)) * (c->sum[d] * c->sum[d]);
                if (var < 1.0e-10) var = 1.0e-10;
                v *= pow(var, -0.5);
            }
        }
        out[d] = (float)v;
    }
}

static void add_row(ff_cmvn_state *c, int64_t r, double sign)
{
    const float *x = row(c, r);
    int32_t d;
    for (d = 0; d < c->dim; d++) {
        const double v = (double)x[d];
        c->sum[d] += sign * v;
        if (c->norm_vars) c->sumsq[d] += sign * (v * v);  /* (online too) */
    }
}

/* Emit rows [n_out, upto) to out (row t at out + (t - first) * dim). */
static void emit(ff_cmvn_state *c, int64_t upto, int64_t n_total, float *out, int64_t first)
{
    int64_t t;
    for (t = c->n_out; t < upto; t++) {
        int64_t ws, we;
        window_of(c, t, n_total, &ws, &we);
        /* The window only moves right: add the new rows, drop the old ones. */
        for (; c->we < we; c->we++) add_row(c, c->we, 1.0);
        for (; c->ws < ws; c->ws++) add_row(c, c->ws, -1.0);
        if (c->global_frames > 0)
            normalise_online(c, t, out + (t - first) * c->dim);
        else
            normalise(c, t, out + (t - first) * c->dim);
    }
    if (upto > c->n_out) c->n_out = upto;
}

void ff_cmvn_feed(ff_cmvn_state *c, const float *rows, int64_t n, int flushed, float *out,
                  int64_t *n_out)
{
    const int64_t first = c->n_out;
    int64_t i;
    /* Row by row, so the ring (window + 2 rows) always holds every row a
     * pending output or the window's left edge needs. */
    for (i = 0; i < n; i++) {
        memcpy(c->ring + (c->n_in % c->cap) * c->dim, rows + i * c->dim, sizeof(float) * (size_t)c->dim);
        c->n_in++;
        emit(c, ready(c, c->n_in, 0), -1, out, first);
    }
    if (flushed) emit(c, c->n_in, c->n_in, out, first);
    *n_out = c->n_out - first;
}
