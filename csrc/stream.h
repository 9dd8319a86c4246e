/*
 * stream.h -- the streaming state machine shared by ff_stream and ff_pool
 * (private).  One ff_sstate is one utterance's state without any scratch:
 * ff_stream pairs it with its own workspace, ff_pool holds thousands of them
 * around one workspace.  A push or flush runs in three steps so that many
 * states can share one block pipeline call:
 *
 *   ff_sstate_prepare_*  validate and make room; on error nothing changed but
 *                        buffer capacities;
 *   ff_sstate_queue_*    commit (append the samples) and queue the frames that
 *                        became final as lanes of an ff_lane_batch;
 *   ff_lane_batch_run    compute the queued lanes (also done whenever the
 *                        batch is full);
 *   ff_sstate_finish     deltas, output rows, dropping what no row needs.
 */
#ifndef FF_STREAM_H
#define FF_STREAM_H
#include "pipeline.h"

typedef struct {
    float *data;
    int64_t cap;   /* floats */
} ff_fbuf;

typedef struct {
    const ff_extractor *ext;
    ff_fbuf samples;      /* signal indices [x0, x0 + n_buf) */
    int64_t x0, n_buf;
    int64_t n_total;      /* samples pushed */
    int64_t n_static;     /* static frames computed (or queued) */
    ff_fbuf stat;         /* static rows [stat_first, n_static) */
    int64_t stat_first;
    ff_fbuf dlt;          /* delta rows [dlt_first, n_delta) */
    int64_t dlt_first, n_delta;
    int64_t emitted;      /* rows returned */
    int flushed;
    int64_t pending;      /* frames up to which the prepared call computes */
    ff_source src;        /* what queued lanes read; valid until the batch ran */
} ff_sstate;

/* Up to FF_LANES frames, from any states, waiting for one block pipeline call. */
typedef struct {
    const ff_extractor *ext;
    ff_workspace *ws;
    float *scratch;       /* FF_LANES x n_static rows; may be NULL when every
                             batch's destinations are consecutive rows (one state) */
    int n;
    ff_lane ln[FF_LANES];
    float *dst[FF_LANES]; /* where each lane's static row goes */
} ff_lane_batch;

void ff_sstate_init(ff_sstate *s, const ff_extractor *e);
void ff_sstate_release(ff_sstate *s);   /* free the buffers */
void ff_sstate_reset(ff_sstate *s);
int64_t ff_sstate_rows_for(const ff_sstate *s, int64_t n);
/* Bytes of buffers the state holds. */
int64_t ff_sstate_bytes(const ff_sstate *s);

/* Validate a push of x[0..n); *rows = rows it will emit.  FF_E_NONFINITE sets *bad. */
ff_status ff_sstate_prepare_push(ff_sstate *s, const float *x, int64_t n, int64_t *rows,
                                 int64_t *bad);
ff_status ff_sstate_prepare_flush(ff_sstate *s, int64_t *rows);
/* Commit the prepared push/flush; out is where this state's rows go (room for *rows). */
void ff_sstate_queue_push(ff_sstate *s, const float *x, int64_t n, float *out, ff_lane_batch *b);
void ff_sstate_queue_flush(ff_sstate *s, float *out, ff_lane_batch *b);
/* After ff_lane_batch_run: write the rows to out; *n_out = their number. */
void ff_sstate_finish(ff_sstate *s, float *out, int64_t *n_out);

/* The whole push/flush of one state computed alone with workspace ws (the
 * ff_stream_push/flush contract; the caller checked s, n_out, out_rows). */
ff_status ff_sstate_push_one(ff_sstate *s, ff_workspace *ws, const float *x, int64_t n,
                             float *out, int64_t out_rows, int64_t *n_out, int64_t *bad_index);
ff_status ff_sstate_flush_one(ff_sstate *s, ff_workspace *ws, float *out, int64_t out_rows,
                              int64_t *n_out);

void ff_lane_batch_init(ff_lane_batch *b, const ff_extractor *e, ff_workspace *ws, float *scratch);
void ff_lane_batch_run(ff_lane_batch *b);
#endif
