/*
 * stream.c -- streaming state: the remainder of the signal, the absolute
 * index of its first sample, and a short history of static and delta frames.
 *
 * push: append; count the frames whose samples are all final; run them
 * through the same block pipeline as ff_extract (ff_block_front/back); emit the
 * rows whose delta look-ahead is complete; drop the samples and frames no
 * future row needs.  flush: the signal length is now known, so the edge rules
 * of frame.c apply to the last frames exactly as in batch.
 *
 * Which samples are kept: everything from one before the next frame's start
 * (signal-scope pre-emphasis reads x[r-1]); while that start is negative
 * (centre padding, snip_edges=0) that is everything from index 0, which the
 * left-edge mirror reads.  The last n_fft + frame_length samples are always
 * kept for the right-edge mirror applied at flush.
 */
#include <stdlib.h>
#include <string.h>

#include "frame.h"
#include "pipeline.h"

typedef struct {
    float *data;
    int64_t cap;   /* floats */
} fbuf;

struct ff_stream {
    const ff_extractor *ext;
    ff_workspace *ws;
    fbuf samples;         /* signal indices [x0, x0 + n_buf) */
    int64_t x0, n_buf;
    int64_t n_total;      /* samples pushed */
    int64_t n_static;     /* static frames computed */
    fbuf stat;            /* static rows [stat_first, n_static) */
    int64_t stat_first;
    fbuf dlt;             /* delta rows [dlt_first, n_delta) */
    int64_t dlt_first, n_delta;
    int64_t emitted;      /* rows returned */
    int flushed;
};

static int reserve(fbuf *b, int64_t need)
{
    float *p;
    int64_t cap;
    if (need <= b->cap) return 1;
    cap = b->cap > 0 ? b->cap : 256;
    while (cap < need) cap *= 2;
    p = realloc(b->data, sizeof(float) * (size_t)cap);
    if (!p) return 0;
    b->data = p;
    b->cap = cap;
    return 1;
}

ff_status ff_stream_new(const ff_extractor *e, ff_stream **out)
{
    ff_stream *s;
    ff_status st;
    if (!e || !out) return FF_E_ARG;
    *out = NULL;
    if (e->cfg.log != FF_LOG_NONE && e->cfg.top_db > 0.0f) return FF_E_CONFIG;
    s = calloc(1, sizeof *s);
    if (!s) return FF_E_NOMEM;
    s->ext = e;
    st = ff_workspace_new(e, &s->ws);
    if (st != FF_OK) { free(s); return st; }
    *out = s;
    return FF_OK;
}

void ff_stream_free(ff_stream *s)
{
    if (!s) return;
    ff_workspace_free(s->ws);
    free(s->samples.data);
    free(s->stat.data);
    free(s->dlt.data);
    free(s);
}

void ff_stream_reset(ff_stream *s)
{
    if (!s) return;
    s->x0 = s->n_buf = 0;
    s->n_total = 0;
    s->n_static = 0;
    s->stat_first = 0;
    s->dlt_first = s->n_delta = 0;
    s->emitted = 0;
    s->flushed = 0;
}

int32_t ff_stream_latency_frames(const ff_stream *s)
{
    return s ? s->ext->cfg.deltas * s->ext->cfg.delta_width : 0;
}

/* Static frames that are final once n_total samples have arrived (not flushed). */
static int64_t frames_ready(const ff_config *c, int64_t from, int64_t n_total)
{
    const int64_t limit = ff_num_frames(c, n_total);
    int64_t f = from;
    while (f < limit) {
        const int64_t start = ff_frame_start(c, f);
        if (ff_frame_last_sample(c, f) >= n_total) break;  /* right part not here yet */
        if (start < 0 && -start >= n_total) break;         /* left mirror not here yet */
        f++;
    }
    return f;
}

/* Rows emitted once n_static static frames exist (total_frames when flushed, else -1). */
static int64_t rows_done(const ff_config *c, int64_t n_static, int flushed)
{
    const int64_t look = (int64_t)c->deltas * c->delta_width;
    if (flushed) return n_static;
    return n_static > look ? n_static - look : 0;
}

int64_t ff_stream_rows_for(const ff_stream *s, int64_t n)
{
    const ff_config *c;
    int64_t ns;
    if (!s || s->flushed) return 0;
    c = &s->ext->cfg;
    if (n < 0) return ff_num_frames(c, s->n_total) - s->emitted;
    ns = frames_ready(c, s->n_static, s->n_total + n);
    return rows_done(c, ns, 0) - s->emitted;
}

/* Compute static frames [s->n_static, upto) with the signal length `total`
 * into dst rows (stride n_feat) or into the static history. */
static void compute_static(ff_stream *s, int64_t upto, int64_t total, float *dst, int64_t stride)
{
    const ff_extractor *e = s->ext;
    ff_source src;
    int64_t f;
    src.x = s->samples.data;
    src.x0 = s->x0;
    src.xlen = s->n_buf;
    src.total = total;
    for (f = s->n_static; f < upto; f += FF_LANES) {
        const int lanes = (int)(upto - f < FF_LANES ? upto - f : FF_LANES);
        float *spec = ff_block_front(e, s->ws, &src, f, lanes);
        ff_block_back(e, s->ws, spec, lanes, dst + (f - s->n_static) * stride, stride);
    }
    s->n_static = upto;
}

/* Emit rows [s->emitted, upto) from the histories, computing deltas on the way. */
static void emit_rows(ff_stream *s, int64_t upto, float *out)
{
    const ff_config *c = &s->ext->cfg;
    const int64_t ns = s->ext->n_static, nf = s->ext->n_feat, w = c->delta_width;
    int64_t t;
    /* Deltas of every frame whose look-ahead is complete. */
    if (c->deltas >= 1) {
        const int64_t d_upto = s->flushed ? s->n_static
                             : (c->deltas == 2 ? (s->n_static > w ? s->n_static - w : 0) : upto);
        for (t = s->n_delta; t < d_upto; t++)
            ff_delta_row(s->stat.data, s->stat_first, ns, t, s->n_static - 1, ns, (int)w,
                         s->dlt.data + (t - s->dlt_first) * ns);
        if (d_upto > s->n_delta) s->n_delta = d_upto;
    }
    for (t = s->emitted; t < upto; t++) {
        float *row = out + (t - s->emitted) * nf;
        memcpy(row, s->stat.data + (t - s->stat_first) * ns, sizeof(float) * (size_t)ns);
        if (c->deltas >= 1)
            memcpy(row + ns, s->dlt.data + (t - s->dlt_first) * ns, sizeof(float) * (size_t)ns);
        if (c->deltas == 2)
            ff_delta_row(s->dlt.data, s->dlt_first, ns, t, s->n_delta - 1, ns, (int)w, row + 2 * ns);
    }
    s->emitted = upto;
}

/* Drop the samples and history rows no future frame or row needs. */
static void compact(ff_stream *s)
{
    const ff_config *c = &s->ext->cfg;
    const int64_t ns = s->ext->n_static, w = c->delta_width;
    const int64_t tail = s->n_total - ((int64_t)c->n_fft + c->frame_length);
    int64_t keep = ff_frame_start(c, s->n_static) - 1, drop;
    if (tail < keep) keep = tail;
    if (keep > s->x0) {
        drop = keep - s->x0 < s->n_buf ? keep - s->x0 : s->n_buf;
        memmove(s->samples.data, s->samples.data + drop, sizeof(float) * (size_t)(s->n_buf - drop));
        s->n_buf -= drop;
        s->x0 += drop;
    }
    if (c->deltas >= 1) {
        /* Static rows: delta of frame n_delta reaches back w frames; rows not
         * yet emitted are still copied from here. */
        int64_t need = s->n_delta - w < s->emitted ? s->n_delta - w : s->emitted;
        if (need > s->stat_first) {
            drop = need - s->stat_first;
            memmove(s->stat.data, s->stat.data + drop * ns,
                    sizeof(float) * (size_t)((s->n_static - need) * ns));
            s->stat_first = need;
        }
        need = s->emitted - w;
        if (need > s->dlt_first) {
            drop = need - s->dlt_first;
            memmove(s->dlt.data, s->dlt.data + drop * ns,
                    sizeof(float) * (size_t)((s->n_delta - need) * ns));
            s->dlt_first = need;
        }
    } else {
        s->stat_first = s->n_static;
    }
}

/* Make room for n more samples and `frames` more history rows; 0 on failure
 * (nothing changed but capacities). */
static int make_room(ff_stream *s, int64_t n, int64_t frames)
{
    const int64_t ns = s->ext->n_static;
    return reserve(&s->samples, s->n_buf + n) &&
           (s->ext->cfg.deltas == 0 ||
            (reserve(&s->stat, (s->n_static + frames - s->stat_first) * ns) &&
             reserve(&s->dlt, (s->n_static + frames - s->dlt_first) * ns)));
}

/* Compute new static frames up to `upto` (history or direct) and emit rows. */
static void advance(ff_stream *s, int64_t upto, int64_t total, float *out, int64_t *n_out)
{
    const ff_extractor *e = s->ext;
    const int64_t before = s->emitted;
    if (e->cfg.deltas == 0) {
        const int64_t n = upto - s->n_static;
        compute_static(s, upto, total, out, e->n_feat);
        s->emitted += n;
        s->stat_first = s->n_static;
    } else {
        /* The history may still be unallocated (NULL) when no frame is due. */
        if (upto > s->n_static)
            compute_static(s, upto, total,
                           s->stat.data + (s->n_static - s->stat_first) * e->n_static,
                           e->n_static);
        emit_rows(s, rows_done(&e->cfg, s->n_static, s->flushed), out);
    }
    *n_out = s->emitted - before;
    compact(s);
}

ff_status ff_stream_push(ff_stream *s, const float *x, int64_t n, float *out, int64_t out_rows,
                         int64_t *n_out, int64_t *bad_index)
{
    int64_t bad, upto, rows;
    if (n_out) *n_out = 0;
    if (bad_index) *bad_index = -1;
    if (!s || !n_out || n < 0 || (n > 0 && !x) || out_rows < 0) return FF_E_ARG;
    if (s->flushed) return FF_E_STATE;
    bad = ff_first_nonfinite(x, n);
    if (bad >= 0) {
        if (bad_index) *bad_index = bad;
        return FF_E_NONFINITE;
    }
    upto = frames_ready(&s->ext->cfg, s->n_static, s->n_total + n);
    rows = rows_done(&s->ext->cfg, upto, 0) - s->emitted;
    if (rows > out_rows || (rows > 0 && !out)) return FF_E_BUFFER;
    if (!make_room(s, n, upto - s->n_static)) return FF_E_NOMEM;
    /* Commit: nothing below can fail. */
    if (n > 0) memcpy(s->samples.data + s->n_buf, x, sizeof(float) * (size_t)n);
    s->n_buf += n;
    s->n_total += n;
    advance(s, upto, s->n_total, out, n_out);
    return FF_OK;
}

ff_status ff_stream_flush(ff_stream *s, float *out, int64_t out_rows, int64_t *n_out)
{
    int64_t total_frames, rows;
    if (n_out) *n_out = 0;
    if (!s || !n_out || out_rows < 0) return FF_E_ARG;
    if (s->flushed) return FF_E_STATE;
    total_frames = ff_num_frames(&s->ext->cfg, s->n_total);
    rows = total_frames - s->emitted;
    if (rows > out_rows || (rows > 0 && !out)) return FF_E_BUFFER;
    if (!make_room(s, 0, total_frames - s->n_static)) return FF_E_NOMEM;
    s->flushed = 1;
    advance(s, total_frames, s->n_total, out, n_out);
    return FF_OK;
}
