/*
 * stream.c -- streaming state: the remainder of the signal, the absolute
 * index of its first sample, and a short history of static and delta frames.
 * One implementation (ff_sstate, see stream.h) serves ff_stream and the
 * many-stream ff_pool (pool.c).
 *
 * push: append; count the frames whose samples are all final; run them
 * through the same block pipeline as ff_extract (ff_block_front_lanes/back);
 * emit the rows whose delta look-ahead is complete; drop the samples and
 * frames no future row needs.  flush: the signal length is now known, so the
 * edge rules of frame.c apply to the last frames exactly as in batch.
 *
 * Which samples are kept: everything from one before the next frame's start
 * (signal-scope pre-emphasis reads x[r-1]); while that start is negative
 * (centre padding, snip_edges=0) that is everything from index 0, which the
 * left-edge mirror reads.  The last n_fft + frame_length samples are always
 * kept for the right-edge mirror applied at flush.  Dead samples are dropped
 * lazily (compact), so the buffer holds up to 1.5 times that.
 */
#include <stdlib.h>
#include <string.h>

#include "frame.h"
#include "stream.h"

static int reserve(ff_fbuf *b, int64_t need)
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

/* ---- lane batches ---------------------------------------------------------- */

void ff_lane_batch_init(ff_lane_batch *b, const ff_extractor *e, ff_workspace *ws, float *scratch)
{
    b->ext = e;
    b->ws = ws;
    b->scratch = scratch;
    b->n = 0;
}

void ff_lane_batch_run(ff_lane_batch *b)
{
    const int64_t ns = b->ext->n_static;
    int l, direct = 1;
    float *spec;
    if (b->n == 0) return;
    for (l = 1; l < b->n; l++) direct &= b->dst[l] == b->dst[0] + l * ns;
    spec = ff_block_front_lanes(b->ext, b->ws, b->ln, b->n);
    if (direct) {
        ff_block_back(b->ext, b->ws, spec, b->n, b->dst[0], ns, 1);
    } else {  /* lanes of several states: rows land in different buffers */
        ff_block_back(b->ext, b->ws, spec, b->n, b->scratch, ns, 1);
        for (l = 0; l < b->n; l++)
            memcpy(b->dst[l], b->scratch + l * ns, sizeof(float) * (size_t)ns);
    }
    b->n = 0;
}

static void batch_add(ff_lane_batch *b, const ff_source *src, int64_t frame, float *dst)
{
    b->ln[b->n].src = src;
    b->ln[b->n].frame = frame;
    b->dst[b->n] = dst;
    if (++b->n == FF_LANES) ff_lane_batch_run(b);
}

/* ---- state ------------------------------------------------------------------ */

void ff_sstate_init(ff_sstate *s, const ff_extractor *e)
{
    memset(s, 0, sizeof *s);
    s->ext = e;
}

void ff_sstate_release(ff_sstate *s)
{
    free(s->samples.data);
    free(s->stat.data);
    free(s->dlt.data);
    ff_sstate_init(s, s->ext);
}

void ff_sstate_reset(ff_sstate *s)
{
    s->x0 = s->n_buf = 0;
    s->n_total = 0;
    s->n_static = 0;
    s->stat_first = 0;
    s->dlt_first = s->n_delta = 0;
    s->emitted = 0;
    s->flushed = 0;
}

int64_t ff_sstate_bytes(const ff_sstate *s)
{
    return (int64_t)sizeof(float) * (s->samples.cap + s->stat.cap + s->dlt.cap);
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

/* Rows emitted once n_static static frames exist. */
static int64_t rows_done(const ff_config *c, int64_t n_static, int flushed)
{
    const int64_t look = (int64_t)c->deltas * c->delta_width;
    if (flushed) return n_static;
    return n_static > look ? n_static - look : 0;
}

int64_t ff_sstate_rows_for(const ff_sstate *s, int64_t n)
{
    const ff_config *c = &s->ext->cfg;
    int64_t ns;
    if (s->flushed) return 0;
    if (n < 0) return ff_num_frames(c, s->n_total) - s->emitted;
    ns = frames_ready(c, s->n_static, s->n_total + n);
    return rows_done(c, ns, 0) - s->emitted;
}

/* Emit rows [s->emitted, upto) from the histories, computing deltas on the way. */
static void emit_rows(ff_sstate *s, int64_t upto, float *out)
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
static void compact(ff_sstate *s)
{
    const ff_config *c = &s->ext->cfg;
    const int64_t ns = s->ext->n_static, w = c->delta_width;
    const int64_t tail = s->n_total - ((int64_t)c->n_fft + c->frame_length);
    int64_t keep = ff_frame_start(c, s->n_static) - 1, drop;
    if (tail < keep) keep = tail;
    /* Samples move only once the dead prefix is at least half of what stays,
     * so each sample is moved at most twice on average (not once per push). */
    drop = keep - s->x0 < s->n_buf ? keep - s->x0 : s->n_buf;
    if (drop > 0 && 2 * drop >= s->n_buf - drop) {
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
static int make_room(ff_sstate *s, int64_t n, int64_t frames)
{
    const int64_t ns = s->ext->n_static;
    return reserve(&s->samples, s->n_buf + n) &&
           (s->ext->cfg.deltas == 0 ||
            (reserve(&s->stat, (s->n_static + frames - s->stat_first) * ns) &&
             reserve(&s->dlt, (s->n_static + frames - s->dlt_first) * ns)));
}

ff_status ff_sstate_prepare_push(ff_sstate *s, const float *x, int64_t n, int64_t *rows,
                                 int64_t *bad)
{
    const ff_config *c = &s->ext->cfg;
    if (n < 0 || (n > 0 && !x)) return FF_E_ARG;
    if (s->flushed) return FF_E_STATE;
    *bad = ff_first_nonfinite(x, n);
    if (*bad >= 0) return FF_E_NONFINITE;
    s->pending = frames_ready(c, s->n_static, s->n_total + n);
    *rows = rows_done(c, s->pending, 0) - s->emitted;
    return make_room(s, n, s->pending - s->n_static) ? FF_OK : FF_E_NOMEM;
}

ff_status ff_sstate_prepare_flush(ff_sstate *s, int64_t *rows)
{
    if (s->flushed) return FF_E_STATE;
    s->pending = ff_num_frames(&s->ext->cfg, s->n_total);
    *rows = s->pending - s->emitted;
    return make_room(s, 0, s->pending - s->n_static) ? FF_OK : FF_E_NOMEM;
}

/* Queue static frames [n_static, pending): into out (no deltas) or the history. */
static void queue_frames(ff_sstate *s, float *out, ff_lane_batch *b)
{
    const ff_extractor *e = s->ext;
    int64_t f;
    float *dst;
    s->src.x = s->samples.data;
    s->src.x0 = s->x0;
    s->src.xlen = s->n_buf;
    s->src.total = s->n_total;
    if (s->pending <= s->n_static) return;  /* the history may still be unallocated */
    dst = e->cfg.deltas == 0 ? out : s->stat.data + (s->n_static - s->stat_first) * e->n_static;
    for (f = s->n_static; f < s->pending; f++, dst += e->n_static)
        batch_add(b, &s->src, f, dst);
    s->n_static = s->pending;
}

void ff_sstate_queue_push(ff_sstate *s, const float *x, int64_t n, float *out, ff_lane_batch *b)
{
    if (n > 0) memcpy(s->samples.data + s->n_buf, x, sizeof(float) * (size_t)n);
    s->n_buf += n;
    s->n_total += n;
    queue_frames(s, out, b);
}

void ff_sstate_queue_flush(ff_sstate *s, float *out, ff_lane_batch *b)
{
    s->flushed = 1;
    queue_frames(s, out, b);
}

void ff_sstate_finish(ff_sstate *s, float *out, int64_t *n_out)
{
    const int64_t before = s->emitted;
    if (s->ext->cfg.deltas == 0)
        s->emitted = s->n_static;  /* queue_frames wrote them to out */
    else
        emit_rows(s, rows_done(&s->ext->cfg, s->n_static, s->flushed), out);
    *n_out = s->emitted - before;
    compact(s);
}

/* ---- ff_stream: one state and its own workspace -------------------------- */

struct ff_stream {
    ff_sstate st;
    ff_workspace *ws;
};

ff_status ff_stream_new(const ff_extractor *e, ff_stream **out)
{
    ff_stream *s;
    ff_status st;
    if (!e || !out) return FF_E_ARG;
    *out = NULL;
    if (e->cfg.log != FF_LOG_NONE && e->cfg.top_db > 0.0f) return FF_E_CONFIG;
    s = calloc(1, sizeof *s);
    if (!s) return FF_E_NOMEM;
    ff_sstate_init(&s->st, e);
    st = ff_workspace_new(e, &s->ws);
    if (st != FF_OK) { free(s); return st; }
    *out = s;
    return FF_OK;
}

void ff_stream_free(ff_stream *s)
{
    if (!s) return;
    ff_workspace_free(s->ws);
    ff_sstate_release(&s->st);
    free(s);
}

void ff_stream_reset(ff_stream *s)
{
    if (s) ff_sstate_reset(&s->st);
}

int32_t ff_stream_latency_frames(const ff_stream *s)
{
    return s ? s->st.ext->cfg.deltas * s->st.ext->cfg.delta_width : 0;
}

int64_t ff_stream_rows_for(const ff_stream *s, int64_t n)
{
    return s ? ff_sstate_rows_for(&s->st, n) : 0;
}

/* Prepare, check out, commit and finish one state on its own.  Its frames come
 * from one signal, so every batch is consecutive rows and needs no scratch. */
static ff_status run_one(ff_sstate *s, ff_workspace *ws, const float *x, int64_t n, int flush,
                         float *out, int64_t out_rows, int64_t *n_out, int64_t *bad_index)
{
    ff_lane_batch b;
    ff_status st;
    int64_t rows = 0, bad = -1;
    st = flush ? ff_sstate_prepare_flush(s, &rows) : ff_sstate_prepare_push(s, x, n, &rows, &bad);
    if (st == FF_E_NONFINITE && bad_index) *bad_index = bad;
    if (st == FF_OK && (rows > out_rows || (rows > 0 && !out))) st = FF_E_BUFFER;
    if (st != FF_OK) return st;
    /* Commit: nothing below can fail. */
    ff_lane_batch_init(&b, s->ext, ws, NULL);
    if (flush)
        ff_sstate_queue_flush(s, out, &b);
    else
        ff_sstate_queue_push(s, x, n, out, &b);
    ff_lane_batch_run(&b);
    ff_sstate_finish(s, out, n_out);
    return FF_OK;
}

ff_status ff_sstate_push_one(ff_sstate *s, ff_workspace *ws, const float *x, int64_t n,
                             float *out, int64_t out_rows, int64_t *n_out, int64_t *bad_index)
{
    return run_one(s, ws, x, n, 0, out, out_rows, n_out, bad_index);
}

ff_status ff_sstate_flush_one(ff_sstate *s, ff_workspace *ws, float *out, int64_t out_rows,
                              int64_t *n_out)
{
    return run_one(s, ws, NULL, 0, 1, out, out_rows, n_out, NULL);
}

ff_status ff_stream_push(ff_stream *s, const float *x, int64_t n, float *out, int64_t out_rows,
                         int64_t *n_out, int64_t *bad_index)
{
    if (n_out) *n_out = 0;
    if (bad_index) *bad_index = -1;
    if (!s || !n_out || out_rows < 0) return FF_E_ARG;
    return ff_sstate_push_one(&s->st, s->ws, x, n, out, out_rows, n_out, bad_index);
}

ff_status ff_stream_flush(ff_stream *s, float *out, int64_t out_rows, int64_t *n_out)
{
    if (n_out) *n_out = 0;
    if (!s || !n_out || out_rows < 0) return FF_E_ARG;
    return ff_sstate_flush_one(&s->st, s->ws, out, out_rows, n_out);
}
