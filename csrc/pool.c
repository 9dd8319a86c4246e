/*
 * pool.c -- many streams of one extractor pushed in one call.
 *
 * A push runs the three steps of stream.h over all its streams: prepare every
 * chunk (nothing is committed unless all pass), then queue each stream's new
 * frames into one lane batch (so a block holds frames of up to FF_LANES
 * streams), then finish each stream (deltas, rows).  The streaming logic is
 * stream.c's; this file only keeps the slots.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cmvn.h"
#include "stream.h"

typedef struct {
    ff_sstate st;
    ff_cmvn_state cm;  /* when the pool has CMVN */
    int open;
    uint64_t mark;     /* push generation that last named this slot */
    int64_t raw_at;    /* with CMVN: this push's rows before CMVN, at rowbuf row raw_at */
} slot;

struct ff_pool {
    const ff_extractor *ext;
    ff_workspace *ws;
    float *scratch;    /* FF_LANES x n_static */
    slot *slots;
    int64_t n_slots, cap;
    int64_t *free_list;  /* closed slots, reused last-closed first */
    int64_t n_free, n_open;
    uint64_t gen;
    int32_t cmvn_window, cmvn_min_window, cmvn_norm_vars;  /* window 0: no CMVN */
    int32_t cmvn_global_frames;  /* > 0: online CMVN with the global statistics */
    double *cmvn_global;         /* 2 x (n_feat + 1) */
    float *rowbuf;     /* with CMVN: rows of one push (or flush) before CMVN */
    int64_t rowbuf_cap;  /* rows */
};

ff_status ff_pool_new(const ff_extractor *e, ff_pool **out)
{
    ff_pool *p;
    ff_status st;
    if (!e || !out) return FF_E_ARG;
    *out = NULL;
    if (e->cfg.log != FF_LOG_NONE && e->cfg.top_db > 0.0f) return FF_E_CONFIG;
    p = calloc(1, sizeof *p);
    if (!p) return FF_E_NOMEM;
    p->ext = e;
    p->scratch = malloc(sizeof(float) * (size_t)FF_LANES * (size_t)e->n_static);
    if (!p->scratch) { free(p); return FF_E_NOMEM; }
    st = ff_workspace_new(e, &p->ws);
    if (st != FF_OK) { free(p->scratch); free(p); return st; }
    *out = p;
    return FF_OK;
}

void ff_pool_free(ff_pool *p)
{
    int64_t i;
    if (!p) return;
    for (i = 0; i < p->n_slots; i++) {
        ff_sstate_release(&p->slots[i].st);
        if (p->slots[i].open && p->cmvn_window) ff_cmvn_release(&p->slots[i].cm);
    }
    free(p->rowbuf);
    free(p->cmvn_global);
    free(p->slots);
    free(p->free_list);
    free(p->scratch);
    ff_workspace_free(p->ws);
    free(p);
}

static slot *get(const ff_pool *p, int64_t h)
{
    return p && h >= 0 && h < p->n_slots && p->slots[h].open ? &p->slots[h] : NULL;
}

ff_status ff_pool_open(ff_pool *p, int64_t *handle)
{
    int64_t h;
    if (!p || !handle) return FF_E_ARG;
    if (p->n_free > 0) {
        h = p->free_list[--p->n_free];
    } else {
        if (p->n_slots == p->cap) {
            const int64_t cap = p->cap > 0 ? 2 * p->cap : 64;
            slot *s = realloc(p->slots, sizeof *s * (size_t)cap);
            int64_t *fl;
            if (!s) return FF_E_NOMEM;
            p->slots = s;
            fl = realloc(p->free_list, sizeof *fl * (size_t)cap);
            if (!fl) return FF_E_NOMEM;
            p->free_list = fl;
            p->cap = cap;
        }
        h = p->n_slots++;
        ff_sstate_init(&p->slots[h].st, p->ext);
    }
    if (p->cmvn_window) {
        const ff_status st = ff_cmvn_init(&p->slots[h].cm, p->ext->n_feat, p->cmvn_window,
                                          p->cmvn_min_window, p->cmvn_norm_vars);
        if (st != FF_OK) {
            p->free_list[p->n_free++] = h;
            return st;
        }
        if (p->cmvn_global_frames > 0)
            ff_cmvn_set_global(&p->slots[h].cm, p->cmvn_global_frames, p->cmvn_global);
    }
    p->slots[h].open = 1;
    p->slots[h].mark = 0;
    p->n_open++;
    *handle = h;
    return FF_OK;
}

ff_status ff_pool_close(ff_pool *p, int64_t h)
{
    slot *s = get(p, h);
    if (!s) return FF_E_HANDLE;
    ff_sstate_release(&s->st);
    if (p->cmvn_window) ff_cmvn_release(&s->cm);
    s->open = 0;
    p->free_list[p->n_free++] = h;
    p->n_open--;
    return FF_OK;
}

ff_status ff_pool_reset(ff_pool *p, int64_t h)
{
    slot *s = get(p, h);
    if (!s) return FF_E_HANDLE;
    ff_sstate_reset(&s->st);
    if (p->cmvn_window) ff_cmvn_reset(&s->cm);
    return FF_OK;
}

ff_status ff_pool_set_cmvn(ff_pool *p, int32_t window, int32_t min_window, int32_t norm_vars)
{
    if (!p || window < 0 || (window > 0 && (min_window < 1 || min_window > window))) return FF_E_ARG;
    if (p->n_open > 0) return FF_E_STATE;
    p->cmvn_window = window;
    p->cmvn_min_window = min_window;
    p->cmvn_norm_vars = norm_vars != 0;
    p->cmvn_global_frames = 0;
    return FF_OK;
}

ff_status ff_pool_set_online_cmvn(ff_pool *p, int32_t window, int32_t global_frames,
                                  int32_t norm_vars, const double *stats)
{
    const int64_t nf = p ? p->ext->n_feat : 0;
    double *g;
    int64_t i;
    if (!p || window < 1 || global_frames < 1 || !stats || !(stats[nf] >= 1.0)) return FF_E_ARG;
    for (i = 0; i < 2 * (nf + 1); i++)
        if (!isfinite(stats[i])) return FF_E_NONFINITE;
    if (p->n_open > 0) return FF_E_STATE;
    g = realloc(p->cmvn_global, sizeof(double) * (size_t)(2 * (nf + 1)));
    if (!g) return FF_E_NOMEM;
    memcpy(g, stats, sizeof(double) * (size_t)(2 * (nf + 1)));
    p->cmvn_global = g;
    p->cmvn_window = window;
    p->cmvn_min_window = 1;
    p->cmvn_norm_vars = norm_vars != 0;
    p->cmvn_global_frames = global_frames;
    return FF_OK;
}

/* Rows out of a stream that emits `raw` rows now (flush: the utterance ends). */
static int64_t out_rows_of(const ff_pool *p, const slot *s, int64_t raw, int flush)
{
    return p->cmvn_window ? ff_cmvn_rows_for(&s->cm, raw, flush) : raw;
}

static int room_rows(ff_pool *p, int64_t rows)
{
    float *b;
    int64_t cap;
    if (!p->cmvn_window || rows <= p->rowbuf_cap) return 1;
    cap = p->rowbuf_cap > 0 ? p->rowbuf_cap : 64;
    while (cap < rows) cap *= 2;
    b = realloc(p->rowbuf, sizeof(float) * (size_t)(cap * p->ext->n_feat));
    if (!b) return 0;
    p->rowbuf = b;
    p->rowbuf_cap = cap;
    return 1;
}

int64_t ff_pool_size(const ff_pool *p) { return p ? p->n_open : 0; }

int64_t ff_pool_bytes(const ff_pool *p)
{
    int64_t i, b;
    if (!p) return 0;
    b = (int64_t)sizeof *p + (int64_t)(sizeof(slot) + sizeof(int64_t)) * p->cap
      + (int64_t)sizeof(float) * FF_LANES * p->ext->n_static;
    for (i = 0; i < p->n_slots; i++) {
        b += ff_sstate_bytes(&p->slots[i].st);
        if (p->slots[i].open && p->cmvn_window) b += ff_cmvn_bytes(&p->slots[i].cm);
    }
    return b + (int64_t)sizeof(float) * p->rowbuf_cap * p->ext->n_feat;
}

ff_status ff_pool_rows_for(const ff_pool *p, int64_t n, const int64_t *handles,
                           const int64_t *lens, int64_t *rows, int64_t *total,
                           int64_t *bad_stream)
{
    int64_t i, r;
    if (bad_stream) *bad_stream = -1;
    if (!p || !total || n < 0 || (n > 0 && (!handles || !lens))) return FF_E_ARG;
    *total = 0;
    for (i = 0; i < n; i++) {
        const slot *s = get(p, handles[i]);
        if (!s) {
            if (bad_stream) *bad_stream = i;
            return FF_E_HANDLE;
        }
        r = out_rows_of(p, s, ff_sstate_rows_for(&s->st, lens[i]), lens[i] < 0);
        if (rows) rows[i] = r;
        *total += r;
    }
    return FF_OK;
}

static float *row_at(const ff_pool *p, float *out, int64_t row)
{
    return out ? out + row * p->ext->n_feat : NULL;
}

/* Finish the streams at positions [from, to) of a push; returns to. */
static int64_t finish(ff_pool *p, const int64_t *handles, int64_t from, int64_t to, float *out,
                      const int64_t *offsets)
{
    int64_t i, rows;
    for (i = from; i < to; i++) {
        slot *s = &p->slots[handles[i]];
        if (p->cmvn_window) {
            float *raw = row_at(p, p->rowbuf, s->raw_at);
            ff_sstate_finish(&s->st, raw, &rows);
            ff_cmvn_feed(&s->cm, raw, rows, 0, row_at(p, out, offsets[i]), &rows);
        } else {
            ff_sstate_finish(&s->st, row_at(p, out, offsets[i]), &rows);
        }
    }
    return to;
}

/* Where stream s's rows go while its frames are queued. */
static float *dst_of(ff_pool *p, const slot *s, float *out, int64_t offset)
{
    return p->cmvn_window ? row_at(p, p->rowbuf, s->raw_at) : row_at(p, out, offset);
}

ff_status ff_pool_push(ff_pool *p, int64_t n, const int64_t *handles, const float *const *x,
                       const int64_t *lens, float *out, int64_t out_rows, int64_t *offsets,
                       int64_t *bad_stream, int64_t *bad_index)
{
    ff_lane_batch b;
    int64_t i, rows, total = 0, raw = 0, bad = -1, done = 0;
    ff_status st;
    if (bad_stream) *bad_stream = -1;
    if (bad_index) *bad_index = -1;
    if (!p || n < 0 || out_rows < 0 || !offsets || (n > 0 && (!handles || !x || !lens)))
        return FF_E_ARG;
    p->gen++;
    /* 1. Check every chunk; only buffer capacities change. */
    for (i = 0; i < n; i++) {
        slot *s = get(p, handles[i]);
        if (!s || s->mark == p->gen) {
            st = FF_E_HANDLE;
        } else {
            s->mark = p->gen;
            st = ff_sstate_prepare_push(&s->st, x[i], lens[i], &rows, &bad);
            s->raw_at = raw;
            raw += rows;
            rows = out_rows_of(p, s, rows, 0);
        }
        if (st != FF_OK) {
            if (bad_stream) *bad_stream = i;
            if (st == FF_E_NONFINITE && bad_index) *bad_index = bad;
            return st;
        }
        offsets[i] = total;
        total += rows;
    }
    offsets[n] = total;
    if (total > out_rows || (total > 0 && !out)) return FF_E_BUFFER;
    if (!room_rows(p, raw)) return FF_E_NOMEM;
    /* 2. Commit and queue every new frame; 3. rows.  Whenever the batch is
     * empty every frame queued so far is computed, so those streams are
     * finished while their buffers are still in cache. */
    ff_lane_batch_init(&b, p->ext, p->ws, p->scratch);
    for (i = 0; i < n; i++) {
        slot *s = &p->slots[handles[i]];
        ff_sstate_queue_push(&s->st, x[i], lens[i], dst_of(p, s, out, offsets[i]), &b);
        if (b.n == 0) done = finish(p, handles, done, i + 1, out, offsets);
    }
    ff_lane_batch_run(&b);
    finish(p, handles, done, n, out, offsets);
    return FF_OK;
}

ff_status ff_pool_flush(ff_pool *p, int64_t h, float *out, int64_t out_rows, int64_t *n_out)
{
    slot *s = get(p, h);
    int64_t raw;
    ff_status st;
    if (n_out) *n_out = 0;
    if (!n_out || out_rows < 0) return FF_E_ARG;
    if (!s) return FF_E_HANDLE;
    if (!p->cmvn_window) return ff_sstate_flush_one(&s->st, p->ws, out, out_rows, n_out);
    if (s->st.flushed) return FF_E_STATE;
    raw = ff_sstate_rows_for(&s->st, -1);
    if (ff_cmvn_rows_for(&s->cm, raw, 1) > out_rows) return FF_E_BUFFER;
    if (!room_rows(p, raw)) return FF_E_NOMEM;
    st = ff_sstate_flush_one(&s->st, p->ws, p->rowbuf, raw, &raw);
    if (st == FF_OK) ff_cmvn_feed(&s->cm, p->rowbuf, raw, 1, out, n_out);
    return st;
}
