# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False
"""Thin binding of the C engine (csrc/fastfeat.h).

No DSP and no validation logic lives here: fastfeat._backend checks arrays and
configs first and turns status codes into messages.  The per-call fast paths
(Engine.extract_rows, StreamState.push_rows / push_any) only take arrays that need no
checking (numpy's C API: native float32, aligned, C-contiguous) and hand
anything else to the checked Python path.  C calls run with the GIL released,
except a stream push of fewer than RELEASE_GIL_HOPS hops of samples.
"""
from libc.stdint cimport INT64_MAX, int32_t, int64_t, uint8_t, uint64_t
from libc.string cimport memcpy
from posix cimport fcntl, unistd
from posix.stat cimport S_ISREG, fstat, struct_stat
from posix.time cimport CLOCK_MONOTONIC, clock_gettime, timespec

cimport cython
cimport numpy as cnp
import numpy as np
from os import fsencode as os_fsencode

cnp.import_array()

cdef extern from "fastfeat.h" nogil:
    ctypedef int ff_status
    ctypedef struct ff_config:
        int kind
        int32_t sample_rate, frame_length, hop_length, n_fft
        int window
        int32_t window_periodic, center
        int pad_mode
        int32_t snip_edges, pad_end
        float preemphasis
        int preemphasis_scope
        int32_t remove_dc
        float dither
        uint64_t seed
        float power
        int spectrum_norm
        int32_t n_mels
        double fmin, fmax
        int mel_scale, mel_norm, mel_triangles, log
        float log_floor
        int log_floor_mode
        float top_db
        int32_t n_mfcc
        int dct_norm
        float lifter
        int energy, energy_source
        int32_t deltas, delta_width
        int32_t drop_last_frame
        float log_offset, log_scale
        double blackman_coeff, vtln_warp, vtln_low, vtln_high
        int32_t window_centered, dct_type
        double mel_pnorm
        int mel_first_bin
    ctypedef struct ff_extractor:
        pass
    ctypedef struct ff_workspace:
        pass
    const char *ff_strerror(ff_status s)
    void ff_config_default(ff_config *cfg)
    ff_status ff_config_check(const ff_config *cfg, const char **field)
    int64_t ff_num_frames(const ff_config *cfg, int64_t n_samples)
    int32_t ff_num_features(const ff_config *cfg)
    ff_status ff_extractor_new(const ff_config *cfg, ff_extractor **out)
    void ff_extractor_free(ff_extractor *ext)
    ff_status ff_workspace_new(const ff_extractor *ext, ff_workspace **out)
    void ff_workspace_free(ff_workspace *ws)
    ff_status ff_extract(const ff_extractor *ext, ff_workspace *ws, const float *x, int64_t n,
                         float *out, int64_t out_rows, int n_threads, int64_t *bad_index)
    ff_status ff_extract_frames(const ff_extractor *ext, ff_workspace *ws, const float *x,
                                int64_t n, float *frames, float *energy, int64_t rows,
                                int64_t *bad_index)
    ff_status ff_extract_from_fft(const ff_extractor *ext, ff_workspace *ws, const float *fft,
                                  const float *energy, int64_t n_frames, float *out,
                                  int64_t out_rows, int n_threads)
    ctypedef struct ff_stream:
        pass
    ff_status ff_stream_new(const ff_extractor *ext, ff_stream **out)
    void ff_stream_free(ff_stream *s)
    void ff_stream_reset(ff_stream *s)
    int64_t ff_stream_rows_for(const ff_stream *s, int64_t n)
    int32_t ff_stream_latency_frames(const ff_stream *s)
    ff_status ff_stream_push(ff_stream *s, const float *x, int64_t n, float *out, int64_t out_rows,
                             int64_t *n_out, int64_t *bad_index)
    ff_status ff_stream_flush(ff_stream *s, float *out, int64_t out_rows, int64_t *n_out)
    ctypedef struct ff_pool:
        pass
    ff_status ff_pool_new(const ff_extractor *ext, ff_pool **out)
    void ff_pool_free(ff_pool *p)
    ff_status ff_pool_open(ff_pool *p, int64_t *handle)
    ff_status ff_pool_close(ff_pool *p, int64_t handle)
    ff_status ff_pool_reset(ff_pool *p, int64_t handle)
    int64_t ff_pool_size(const ff_pool *p)
    int64_t ff_pool_bytes(const ff_pool *p)
    ff_status ff_pool_rows_for(const ff_pool *p, int64_t n, const int64_t *handles,
                               const int64_t *lens, int64_t *rows, int64_t *total,
                               int64_t *bad_stream)
    ff_status ff_pool_push(ff_pool *p, int64_t n, const int64_t *handles, const float *const *x,
                           const int64_t *lens, float *out, int64_t out_rows, int64_t *offsets,
                           int64_t *bad_stream, int64_t *bad_index)
    ff_status ff_pool_flush(ff_pool *p, int64_t handle, float *out, int64_t out_rows, int64_t *n_out)
    ff_status ff_pool_set_cmvn(ff_pool *p, int32_t window, int32_t min_window, int32_t norm_vars)
    ff_status ff_pool_set_online_cmvn(ff_pool *p, int32_t window, int32_t global_frames,
                                      int32_t norm_vars, const double *stats)
    ff_status ff_delta(const float *inp, int64_t rows, int64_t cols, int64_t in_stride,
                       int order, int width, float *out, int64_t out_stride, float *scratch)
    ctypedef struct ff_wav_info:
        int32_t format, bits, channels, sample_rate
        int64_t data_offset, frames
    ff_status ff_wav_parse(const uint8_t *buf, int64_t len, int64_t file_size, ff_wav_info *info)
    ff_status ff_wav_decode(const ff_wav_info *info, const uint8_t *src, int64_t count, float *out)

    ctypedef struct ff_resampler:
        pass
    int64_t FF_RESAMPLE_MAX_TAPS
    int64_t ff_resample_taps_for(int64_t orig_sr, int64_t target_sr)
    ff_status ff_resampler_new(int64_t orig_sr, int64_t target_sr, ff_resampler **out)
    void ff_resampler_free(ff_resampler *r)
    void ff_resampler_info(const ff_resampler *r, int64_t *up, int64_t *down, int64_t *taps)
    int64_t ff_resample_first_input(const ff_resampler *r, int64_t m)
    int64_t ff_resample_outputs(const ff_resampler *r, int64_t n_in)
    int64_t ff_resample_ready(const ff_resampler *r, int64_t received)
    ff_status ff_resample_run(const ff_resampler *r, const double *x, int64_t x0, int64_t nx, int64_t n_in,
                              int64_t m0, int64_t m1, float *out)

cdef extern from "stdlib.h" nogil:
    void *malloc(size_t n)
    void *realloc(void *p, size_t n)
    void free(void *p)

# Streams release the GIL for pushes of at least this many hops of samples
# (which compute about as many frames).
cdef int64_t RELEASE_GIL_HOPS = 4


class EngineError(RuntimeError):
    """A C status the Python layer did not expect (a bug if it ever shows)."""


def strerror(int status):
    return ff_strerror(status).decode()


cdef int _fill(ff_config *c, dict v) except -1:
    ff_config_default(c)
    c.kind = v["kind"]; c.sample_rate = v["sample_rate"]
    c.frame_length = v["frame_length"]; c.hop_length = v["hop_length"]; c.n_fft = v["n_fft"]
    c.window = v["window"]; c.window_periodic = v["window_periodic"]
    c.center = v["center"]; c.pad_mode = v["pad_mode"]
    c.snip_edges = v["snip_edges"]; c.pad_end = v["pad_end"]
    c.preemphasis = v["preemphasis"]; c.preemphasis_scope = v["preemphasis_scope"]
    c.remove_dc = v["remove_dc"]; c.dither = v["dither"]; c.seed = v["seed"]
    c.power = v["power"]; c.spectrum_norm = v["spectrum_norm"]
    c.n_mels = v["n_mels"]; c.fmin = v["fmin"]; c.fmax = v["fmax"]
    c.mel_scale = v["mel_scale"]; c.mel_norm = v["mel_norm"]; c.mel_triangles = v["mel_triangles"]
    c.log = v["log"]; c.log_floor = v["log_floor"]; c.log_floor_mode = v["log_floor_mode"]
    c.top_db = v["top_db"]
    c.n_mfcc = v["n_mfcc"]; c.dct_norm = v["dct_norm"]; c.lifter = v["lifter"]
    c.energy = v["energy"]; c.energy_source = v["energy_source"]
    c.deltas = v["deltas"]; c.delta_width = v["delta_width"]
    c.drop_last_frame = v["drop_last_frame"]
    c.log_offset = v["log_offset"]; c.log_scale = v["log_scale"]
    c.blackman_coeff = v["blackman_coeff"]
    c.vtln_warp = v["vtln_warp"]; c.vtln_low = v["vtln_low"]; c.vtln_high = v["vtln_high"]
    c.window_centered = v["window_centered"]; c.dct_type = v["dct_type"]
    c.mel_pnorm = v["mel_pnorm"]; c.mel_first_bin = v["mel_first_bin"]
    return 0


def check_config(dict values):
    """None if the C engine accepts the config, else the name of the bad field."""
    cdef ff_config c
    cdef const char *field = NULL
    _fill(&c, values)
    if ff_config_check(&c, &field) != 0:
        return field.decode() if field != NULL else "?"
    return None


cdef inline double _now() noexcept nogil:
    cdef timespec t
    clock_gettime(CLOCK_MONOTONIC, &t)
    return t.tv_sec + 1e-9 * t.tv_nsec


cdef int _reserve(void **buf, size_t *cap, size_t need) noexcept nogil:
    """Grow *buf to at least need bytes (doubling); 0 on success, -1 when out of memory."""
    cdef size_t n = cap[0] if cap[0] > 0 else 4096
    cdef void *p
    if need <= cap[0]:
        return 0
    while n < need:
        n *= 2
    p = realloc(buf[0], n)
    if p == NULL:
        return -1
    buf[0] = p
    cap[0] = n
    return 0


cdef int64_t _read_file(const char *path, int64_t max_bytes, uint8_t **buf, size_t *cap) noexcept nogil:
    """Read a whole regular file of at most max_bytes into *buf; its size, or -1."""
    cdef struct_stat st
    cdef int64_t size, got = 0
    cdef ssize_t r
    cdef int fd = fcntl.open(path, fcntl.O_RDONLY | fcntl.O_NONBLOCK)  # a FIFO must not block the open
    if fd < 0:
        return -1
    if fstat(fd, &st) != 0 or not S_ISREG(st.st_mode) or st.st_size > max_bytes \
            or _reserve(<void **>buf, cap, <size_t>st.st_size + 1) != 0:
        unistd.close(fd)
        return -1
    size = st.st_size
    while got < size:
        r = unistd.read(fd, buf[0] + got, <size_t>(size - got))
        if r <= 0:  # an error, or the file shrank while we read it
            unistd.close(fd)
            return -1
        got += r
    unistd.close(fd)
    return size


# The arrays the fast paths take as they are: native float32, aligned,
# C-contiguous (and writeable, for output).  Anything else goes to the
# checked Python path, which converts or names the problem.
cdef int _IN_FLAGS = cnp.NPY_ARRAY_C_CONTIGUOUS | cnp.NPY_ARRAY_ALIGNED
cdef int _OUT_FLAGS = _IN_FLAGS | cnp.NPY_ARRAY_WRITEABLE


cdef inline bint _plain_f32(object a, int ndim, int flags) noexcept:
    """a is a numpy array of native float32 with ndim dimensions and every flag of flags."""
    if not cnp.PyArray_Check(a):
        return False
    return (cnp.PyArray_TYPE(<cnp.ndarray>a) == cnp.NPY_FLOAT and cnp.PyArray_NDIM(<cnp.ndarray>a) == ndim
            and cnp.PyArray_CHKFLAGS(<cnp.ndarray>a, flags) and cnp.PyArray_ISNOTSWAPPED(<cnp.ndarray>a))


cdef inline object _new_rows(int64_t rows, int n_features):
    """np.empty((rows, n_features), np.float32) without a Python call."""
    cdef cnp.npy_intp dims[2]
    dims[0] = rows
    dims[1] = n_features
    return cnp.PyArray_EMPTY(2, dims, cnp.NPY_FLOAT, 0)


cdef inline bint _is_head(object v, object out, int64_t k) noexcept:
    """v is still exactly out[:k] (a caller may have reshaped, retyped or frozen a view it got)."""
    cdef cnp.ndarray a, o
    if not cnp.PyArray_Check(v):
        return False
    a = <cnp.ndarray>v
    o = <cnp.ndarray>out
    return (cnp.PyArray_DATA(a) == cnp.PyArray_DATA(o) and cnp.PyArray_NDIM(a) == 2
            and cnp.PyArray_DIMS(a)[0] == k and cnp.PyArray_DIMS(a)[1] == cnp.PyArray_DIMS(o)[1]
            and cnp.PyArray_STRIDES(a)[0] == cnp.PyArray_STRIDES(o)[0]
            and cnp.PyArray_STRIDES(a)[1] == cnp.PyArray_STRIDES(o)[1]
            and cnp.PyArray_TYPE(a) == cnp.NPY_FLOAT and cnp.PyArray_ISNOTSWAPPED(a)
            and (cnp.PyArray_FLAGS(a) & _OUT_FLAGS) == (cnp.PyArray_FLAGS(o) & _OUT_FLAGS))


cdef class Engine:
    """Owns an immutable ff_extractor; extract() may run in many threads at once.

    One workspace is kept between calls (``spare``): a call takes it, or makes
    its own when another thread holds it, and gives it back after; both under
    the GIL, so no two calls share one.
    """
    cdef ff_extractor *ext
    cdef ff_workspace *spare
    cdef ff_config cfg
    cdef readonly int n_features

    def __cinit__(self, dict values):
        cdef ff_status st
        _fill(&self.cfg, values)
        with nogil:
            st = ff_extractor_new(&self.cfg, &self.ext)
        if st != 0:
            raise EngineError(f"ff_extractor_new: {strerror(st)}")
        self.n_features = ff_num_features(&self.cfg)

    def __dealloc__(self):
        ff_workspace_free(self.spare)
        ff_extractor_free(self.ext)

    def n_frames(self, int64_t n_samples):
        return ff_num_frames(&self.cfg, n_samples)

    def stream(self):
        return StreamState(self)

    def pool(self):
        return PoolState(self)

    def extract_frames(self, const float[::1] x, float[:, ::1] frames, float[::1] energy):
        """Windowed, zero-padded frames (rows, n_fft) and linear energies; returns (status, bad)."""
        cdef ff_workspace *ws = NULL
        cdef ff_status st
        cdef int64_t bad = -1
        cdef int64_t n = x.shape[0]
        cdef const float *xp = &x[0] if n > 0 else NULL
        if frames.shape[1] != self.cfg.n_fft or energy.shape[0] < frames.shape[0]:
            return 6, -1
        with nogil:
            st = ff_workspace_new(self.ext, &ws)
            if st == 0:
                st = ff_extract_frames(self.ext, ws, xp, n, &frames[0, 0] if frames.shape[0] > 0 else NULL,
                                       &energy[0] if energy.shape[0] > 0 else NULL, frames.shape[0], &bad)
            ff_workspace_free(ws)
        return st, bad

    def extract_from_fft(self, const float[:, ::1] fft, const float[::1] energy, float[:, ::1] out,
                         int threads):
        """Finish from an external FFT (rows, 2 * n_bins interleaved re/im); returns status."""
        cdef ff_workspace *ws = NULL
        cdef ff_status st
        cdef int64_t rows = fft.shape[0]
        if (fft.shape[1] != 2 * (self.cfg.n_fft // 2 + 1) or out.shape[1] != self.n_features
                or energy.shape[0] < rows or rows < 1):
            return 3
        with nogil:
            st = ff_workspace_new(self.ext, &ws)
            if st == 0:
                st = ff_extract_from_fft(self.ext, ws, &fft[0, 0], &energy[0], rows, &out[0, 0],
                                         out.shape[0], threads)
            ff_workspace_free(ws)
        return st

    cdef ff_status _extract(self, const float *xp, int64_t n, float *op, int64_t rows, int threads,
                            int64_t *bad):
        """ff_extract with the GIL released, in the spare workspace when it is free."""
        cdef ff_status st = 0
        cdef ff_workspace *ws = self.spare
        self.spare = NULL
        with nogil:
            if ws == NULL:
                st = ff_workspace_new(self.ext, &ws)
            if st == 0:
                st = ff_extract(self.ext, ws, xp, n, op, rows, threads, bad)
        if self.spare == NULL:
            self.spare = ws
        else:
            ff_workspace_free(ws)
        return st

    def extract(self, const float[::1] x, float[:, ::1] out, int threads):
        """Fill out (n_frames, n_features); returns (status, bad_index)."""
        cdef ff_status st
        cdef int64_t bad = -1
        cdef int64_t n = x.shape[0]
        if out.shape[1] != self.n_features:
            return 6, -1
        st = self._extract(&x[0] if n > 0 else NULL, n, &out[0, 0] if out.shape[0] > 0 else NULL,
                           out.shape[0], threads, &bad)
        return st, bad

    def extract_rows(self, y, out, int threads):
        """Extractor.__call__'s fast path: the features of y (in out, or in a
        new array), or None when y or out is not what it takes as it is (see
        _plain_f32; out must have exactly the rows and n_features columns) or
        the engine refused y (too short, non-finite); the caller's checked
        path then names the problem."""
        cdef int64_t n, rows, bad = -1
        cdef object res
        if not _plain_f32(y, 1, _IN_FLAGS):
            return None
        n = cnp.PyArray_DIMS(<cnp.ndarray>y)[0]
        rows = ff_num_frames(&self.cfg, n)
        if rows <= 0:
            return None
        if out is None:
            res = _new_rows(rows, self.n_features)
        elif (_plain_f32(out, 2, _OUT_FLAGS) and cnp.PyArray_DIMS(<cnp.ndarray>out)[0] == rows
                and cnp.PyArray_DIMS(<cnp.ndarray>out)[1] == self.n_features):
            res = out
        else:
            return None
        if self._extract(<const float *>cnp.PyArray_DATA(<cnp.ndarray>y), n,
                         <float *>cnp.PyArray_DATA(<cnp.ndarray>res), rows, threads, &bad) != 0:
            return None
        return res

    def extract_wav_files(self, list paths, int64_t max_frames):
        """Features of plain mono WAV files at the config's sample rate, read with the GIL released.

        Each file is read whole (POSIX read), decoded by ff_wav_decode and
        extracted by ff_extract, exactly as ``Extractor(load(path))``.  Returns
        ``(features, rows, frames, decode_s, compute_s)``: every file's rows in
        order in one float32 (total, n_features) array, and lists of each
        file's row and audio frame counts.  A file this fast path does not
        take -- not a plain PCM/float WAV, not mono, another rate, more than
        max_frames frames, unreadable, too short, non-finite -- has rows -1
        and is left to the general path, which raises the error a user
        should see.
        """
        cdef Py_ssize_t n = len(paths), i
        cdef list encoded = [os_fsencode(p) for p in paths]
        cdef const char **cpaths = NULL
        cdef int64_t[::1] rows = np.full(n, -1, dtype=np.int64)
        cdef int64_t[::1] frames = np.zeros(n, dtype=np.int64)
        cdef int32_t nf = self.n_features
        # float64 samples + any header (no overflow for absurd max_frames)
        cdef int64_t max_bytes = max_frames * 8 + (1 << 16) if max_frames < (<int64_t>1 << 56) else INT64_MAX
        cdef uint8_t *raw = NULL
        cdef float *x = NULL
        cdef float *feats = NULL
        cdef size_t raw_cap = 0, x_cap = 0, feats_cap = 0
        cdef int64_t size, nr, total = 0, bad
        cdef ff_wav_info info
        cdef ff_workspace *ws = NULL
        cdef ff_status st = 0
        cdef double t0, t1, t_decode = 0.0, t_compute = 0.0
        cdef float[:, ::1] out
        cpaths = <const char **>malloc(sizeof(char *) * (n if n > 0 else 1))
        if cpaths == NULL:
            raise MemoryError
        for i in range(n):
            cpaths[i] = NULL  # a path with a NUL byte: open() would cut it short
            if b"\0" not in encoded[i]:
                cpaths[i] = encoded[i]
        with nogil:
            st = ff_workspace_new(self.ext, &ws)
            i = 0
            while st == 0 and i < n:
                t0 = _now()
                size = _read_file(cpaths[i], max_bytes, &raw, &raw_cap) if cpaths[i] != NULL else -1
                if (size >= 0 and ff_wav_parse(raw, size, size, &info) == 0 and info.channels == 1
                        and info.sample_rate == self.cfg.sample_rate and info.frames <= max_frames):
                    nr = ff_num_frames(&self.cfg, info.frames)
                    if nr > 0 and _reserve(<void **>&x, &x_cap, sizeof(float) * info.frames + 1) == 0 \
                            and _reserve(<void **>&feats, &feats_cap, sizeof(float) * nf * (total + nr)) == 0:
                        ff_wav_decode(&info, raw + info.data_offset, info.frames, x)
                        t1 = _now()
                        t_decode += t1 - t0
                        if ff_extract(self.ext, ws, x, info.frames, feats + total * nf, nr, 1, &bad) == 0:
                            rows[i] = nr
                            frames[i] = info.frames
                            total += nr
                        t_compute += _now() - t1
                i += 1
            ff_workspace_free(ws)
            free(raw)
            free(x)
            free(cpaths)
        try:
            if st != 0:
                raise MemoryError
            result = np.empty((total, nf), dtype=np.float32)
            out = result
            if total > 0:
                with nogil:
                    memcpy(&out[0, 0], feats, sizeof(float) * nf * total)
        finally:
            free(feats)
        return result, np.asarray(rows).tolist(), np.asarray(frames).tolist(), t_decode, t_compute


cdef class StreamState:
    """Owns an ff_stream bound to an Engine (kept alive by this object)."""
    cdef ff_stream *s
    cdef Engine engine
    cdef readonly int n_features
    cdef int64_t release_n
    cdef object _checked
    cdef object _config
    cdef object _last_out
    cdef list _last_views

    def __cinit__(self, Engine engine):
        cdef ff_status st = ff_stream_new(engine.ext, &self.s)
        if st != 0:
            raise EngineError(f"ff_stream_new: {strerror(st)}")
        self.engine = engine
        self.n_features = engine.n_features
        self.release_n = RELEASE_GIL_HOPS * engine.cfg.hop_length

    def __dealloc__(self):
        ff_stream_free(self.s)

    def reset(self):
        ff_stream_reset(self.s)

    def rows_for(self, int64_t n):
        """Rows a push of n samples would return now (n < 0: a flush)."""
        return ff_stream_rows_for(self.s, n)

    @property
    def latency_frames(self):
        return ff_stream_latency_frames(self.s)

    def push(self, const float[::1] x, float[:, ::1] out):
        """Returns (status, rows written, bad_index)."""
        cdef ff_status st
        cdef int64_t k = 0, bad = -1
        cdef int64_t n = x.shape[0]
        cdef const float *xp = &x[0] if n > 0 else NULL
        cdef float *op = &out[0, 0] if out.shape[0] > 0 else NULL
        if out.shape[1] != self.n_features:
            return 6, 0, -1
        st = self._run(xp, n, op, out.shape[0], &k, &bad)
        return st, k, bad

    cdef inline ff_status _run(self, const float *xp, int64_t n, float *op, int64_t out_rows,
                               int64_t *k, int64_t *bad) noexcept:
        """ff_stream_push, with the GIL released only for a push of several
        hops: a 10 ms push is about a microsecond of C, less than a GIL hand-off
        between threads costs, so releasing it there would make threads slower."""
        cdef ff_status st
        if n >= self.release_n:
            with nogil:
                st = ff_stream_push(self.s, xp, n, op, out_rows, k, bad)
        else:
            st = ff_stream_push(self.s, xp, n, op, out_rows, k, bad)
        return st

    cdef object _push(self, object x, object out):
        """The rows array (a new one, or the view out[:k]), or None when x or
        out is not what the typed path takes (see _plain_f32; out also needs
        n_features columns, and the C push refuses an out without room for
        the rows) or the C push refused the samples: the stream is unchanged
        then."""
        cdef int64_t n, k = 0, bad = -1
        cdef object res
        if not _plain_f32(x, 1, _IN_FLAGS):
            return None
        n = cnp.PyArray_DIMS(<cnp.ndarray>x)[0]
        if out is None:
            res = _new_rows(ff_stream_rows_for(self.s, n), self.n_features)
        elif _plain_f32(out, 2, _OUT_FLAGS) and cnp.PyArray_DIMS(<cnp.ndarray>out)[1] == self.n_features:
            res = out
        else:
            return None
        if self._run(<const float *>cnp.PyArray_DATA(<cnp.ndarray>x) if n > 0 else NULL, n,
                     <float *>cnp.PyArray_DATA(<cnp.ndarray>res), cnp.PyArray_DIMS(<cnp.ndarray>res)[0],
                     &k, &bad) != 0:
            return None
        if out is None:
            return res
        return self._view(out, k)

    def push_rows(self, x, out=None):
        """Stream.push's fast path: the rows, or None when the checked path must
        take the call (see _push)."""
        return self._push(x, out)

    def bind_push(self, checked, config):
        """Stream.push in one call: returns push_any, which hands every call
        push_rows does not take to checked(self, config, samples, out)."""
        self._checked = checked
        self._config = config
        return self.push_any

    @cython.binding(False)  # a plain method: the bound method calls it directly
    def push_any(self, samples, out=None):
        """Stream.push of this stream (see fastfeat.Stream.push)."""
        res = self._push(samples, out)
        if res is None:
            return self._checked(self, self._config, samples, out)
        return res

    cdef object _view(self, object out, int64_t k):
        """out[:k], the view handed out before while pushes write into the same
        out (a view holds no state of its own, so handing it out again is safe
        while it is still exactly out[:k])."""
        cdef object v
        if out is not self._last_out:
            self._last_out = out
            self._last_views = [None] * 8
        if k >= 8:
            return out[:k]
        v = self._last_views[k]
        if v is None or not _is_head(v, out, k):
            v = out[:k]
            self._last_views[k] = v
        return v

    def flush(self, float[:, ::1] out):
        """Returns (status, rows written)."""
        cdef ff_status st
        cdef int64_t k = 0
        cdef float *op = &out[0, 0] if out.shape[0] > 0 else NULL
        if out.shape[1] != self.n_features:
            return 6, 0
        with nogil:
            st = ff_stream_flush(self.s, op, out.shape[0], &k)
        return st, k


cdef class PoolState:
    """Owns an ff_pool bound to an Engine.  Not locked: fastfeat.pool holds a lock.

    Chunk pointers and lengths live in buffers grown on demand, so pushes of a
    steady number of streams allocate nothing.  Every push releases the GIL:
    one call does the work of many streams.
    """
    cdef ff_pool *p
    cdef Engine engine
    cdef readonly int n_features
    cdef const float **xp
    cdef int64_t *lens
    cdef size_t cap
    cdef Py_ssize_t n_set

    def __cinit__(self, Engine engine):
        cdef ff_status st = ff_pool_new(engine.ext, &self.p)
        if st != 0:
            raise EngineError(f"ff_pool_new: {strerror(st)}")
        self.engine = engine
        self.n_features = engine.n_features

    def __dealloc__(self):
        ff_pool_free(self.p)
        free(self.xp)
        free(self.lens)

    cdef int _room(self, size_t n) except -1:
        cdef void *a
        cdef void *b
        if n <= self.cap:
            return 0
        a = realloc(<void *>self.xp, sizeof(float *) * n)
        if a == NULL:
            raise MemoryError
        self.xp = <const float **>a
        b = realloc(self.lens, sizeof(int64_t) * n)
        if b == NULL:
            raise MemoryError
        self.lens = <int64_t *>b
        self.cap = n
        return 0

    def set_cmvn(self, int32_t window, int32_t min_window, bint norm_vars):
        """Sliding CMVN of the rows (window 0: off); returns status."""
        return ff_pool_set_cmvn(self.p, window, min_window, norm_vars)

    def set_online_cmvn(self, int32_t window, int32_t global_frames, bint norm_vars,
                        const double[:, ::1] stats):
        """Online CMVN from global stats (2, n_features + 1); returns status."""
        if stats.shape[0] != 2 or stats.shape[1] != self.n_features + 1:
            return 3
        return ff_pool_set_online_cmvn(self.p, window, global_frames, norm_vars, &stats[0, 0])

    def open(self):
        """Returns (status, handle)."""
        cdef int64_t h = -1
        cdef ff_status st = ff_pool_open(self.p, &h)
        return st, h

    def close(self, int64_t h):
        return ff_pool_close(self.p, h)

    def reset(self, int64_t h):
        return ff_pool_reset(self.p, h)

    @property
    def size(self):
        return ff_pool_size(self.p)

    @property
    def nbytes(self):
        return ff_pool_bytes(self.p)

    # A push is set_2d or set_list (the chunks), optionally pending_rows (to
    # size out), then push.  The caller keeps the chunks alive in between.

    def set_2d(self, const float[:, :] chunks):
        """Row i of chunks (each row contiguous) is the chunk of the i-th handle of the next push."""
        cdef Py_ssize_t i, n = chunks.shape[0]
        cdef int64_t m = chunks.shape[1]
        if n > 0 and m > 1 and chunks.strides[1] != sizeof(float):
            raise ValueError("the rows of chunks must be contiguous")
        self._room(n if n > 0 else 1)
        for i in range(n):
            self.xp[i] = &chunks[i, 0] if m > 0 else NULL
            self.lens[i] = m
        self.n_set = n

    def set_list(self, list chunks):
        """chunks[i] (1-D C-contiguous float32) is the chunk of the i-th handle."""
        cdef Py_ssize_t i, n = len(chunks)
        cdef const float[::1] x
        self._room(n if n > 0 else 1)
        self.n_set = 0
        for i in range(n):
            x = chunks[i]
            self.xp[i] = &x[0] if x.shape[0] > 0 else NULL
            self.lens[i] = x.shape[0]
        self.n_set = n

    def pending_rows(self, const int64_t[::1] handles):
        """Returns (status, rows the set chunks give, bad position)."""
        cdef int64_t total = 0, bad = -1
        cdef int64_t n = handles.shape[0]
        cdef ff_status st
        if n != self.n_set:
            return 3, 0, -1
        st = ff_pool_rows_for(self.p, n, &handles[0] if n > 0 else NULL, self.lens, NULL,
                              &total, &bad)
        return st, total, bad

    def rows_for(self, const int64_t[::1] handles, int64_t n_samples):
        """Returns (status, rows a push of n_samples to every handle gives, bad position)."""
        cdef Py_ssize_t i, n = handles.shape[0]
        cdef int64_t total = 0, bad = -1
        cdef ff_status st
        self._room(n if n > 0 else 1)
        self.n_set = 0  # the lengths of set chunks are overwritten
        for i in range(n):
            self.lens[i] = n_samples
        st = ff_pool_rows_for(self.p, n, &handles[0] if n > 0 else NULL, self.lens, NULL,
                              &total, &bad)
        return st, total, bad

    def flush_rows(self, int64_t h):
        """Returns (status, rows a flush of h gives)."""
        cdef int64_t total = 0, flush = -1
        cdef ff_status st = ff_pool_rows_for(self.p, 1, &h, &flush, NULL, &total, NULL)
        return st, total

    def push(self, const int64_t[::1] handles, float[:, ::1] out, int64_t[::1] offsets):
        """Push the set chunks; returns (status, bad position, bad sample index)."""
        cdef int64_t n = handles.shape[0], bad_stream = -1, bad_index = -1
        cdef float *op = &out[0, 0] if out.shape[0] > 0 else NULL
        cdef ff_status st
        if n != self.n_set or out.shape[1] != self.n_features or offsets.shape[0] < n + 1:
            return 3, -1, -1
        with nogil:
            st = ff_pool_push(self.p, n, &handles[0] if n > 0 else NULL, self.xp, self.lens, op,
                              out.shape[0], &offsets[0], &bad_stream, &bad_index)
        return st, bad_stream, bad_index

    def flush(self, int64_t h, float[:, ::1] out):
        """Returns (status, rows written)."""
        cdef ff_status st
        cdef int64_t k = 0
        cdef float *op = &out[0, 0] if out.shape[0] > 0 else NULL
        if out.shape[1] != self.n_features:
            return 3, 0
        with nogil:
            st = ff_pool_flush(self.p, h, op, out.shape[0], &k)
        return st, k


def delta(const float[:, ::1] x, int order, int width, float[:, ::1] out):
    """out = delta (order 1) or delta-delta (order 2) of x along axis 0; returns status."""
    cdef ff_status st
    cdef float *scratch = NULL
    cdef int64_t rows = x.shape[0], cols = x.shape[1]
    if rows == 0 or cols == 0:
        return 0
    with nogil:
        if order == 2:
            scratch = <float *>malloc(sizeof(float) * rows * cols)
        if order == 2 and scratch == NULL:
            st = 1
        else:
            st = ff_delta(&x[0, 0], rows, cols, cols, order, width, &out[0, 0], cols, scratch)
        free(scratch)
    return st


RESAMPLE_MAX_TAPS = FF_RESAMPLE_MAX_TAPS


def resample_taps(int64_t orig_sr, int64_t target_sr):
    """Taps of the polyphase filter for these rates (csrc/resample.c)."""
    return ff_resample_taps_for(orig_sr, target_sr)


cdef class ResampleFilter:
    """An immutable ff_resampler (csrc/resample.c); ``run`` releases the GIL.

    fastfeat.io checks the rates and the filter length first; here a refusal
    is only an EngineError.
    """
    cdef ff_resampler *r
    cdef readonly int64_t up, down, taps

    def __cinit__(self, int64_t orig_sr, int64_t target_sr):
        cdef ff_status st = ff_resampler_new(orig_sr, target_sr, &self.r)
        if st != 0:
            raise EngineError(f"ff_resampler_new: {strerror(st)}")
        ff_resampler_info(self.r, &self.up, &self.down, &self.taps)

    def __dealloc__(self):
        ff_resampler_free(self.r)

    def first_input(self, int64_t m):
        return ff_resample_first_input(self.r, m)

    def outputs(self, int64_t n_in):
        return ff_resample_outputs(self.r, n_in)

    def ready(self, int64_t received):
        return ff_resample_ready(self.r, received)

    def run(self, const double[::1] x, int64_t x0, int64_t n_in, int64_t m0, int64_t m1):
        """Outputs m0 <= m < m1 (float32) from inputs x0 .. x0 + len(x) - 1 of n_in."""
        out = np.empty(max(m1 - m0, 0), dtype=np.float32)
        cdef float[::1] o = out
        cdef const double *xp = &x[0] if x.shape[0] > 0 else NULL
        cdef float *op = &o[0] if o.shape[0] > 0 else NULL
        cdef ff_status st
        with nogil:
            st = ff_resample_run(self.r, xp, x0, x.shape[0], n_in, m0, m1, op)
        if st != 0:
            raise EngineError(f"ff_resample_run: {strerror(st)}")
        return out
