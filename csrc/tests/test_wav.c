/*
 * test_wav.c -- C-level tests of the WAV header parser and sample decoder
 * (wav.c), meant to run under AddressSanitizer/UBSan (see the Makefile):
 *   - every plain subformat, also as WAVE_FORMAT_EXTENSIBLE, parses and
 *     decodes to the values libsndfile gives;
 *   - chunks before "data" (odd sizes padded), a data chunk longer than the
 *     file (clipped), extra fmt bytes;
 *   - everything that is not a plain WAV, and every header cut short, is
 *     FF_E_FORMAT and never reads outside the buffer (the buffers here are
 *     allocated to their exact size, so ASan sees any overrun).
 * Prints "N passed, M failed"; exit status 1 on any failure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expect.h"
#include "fastfeat.h"

typedef struct {
    uint8_t b[512];
    size_t n;
} bytes;

static void put(bytes *w, const void *p, size_t n) { memcpy(w->b + w->n, p, n); w->n += n; }
static void put16(bytes *w, uint32_t v) { uint8_t t[2] = {(uint8_t)v, (uint8_t)(v >> 8)}; put(w, t, 2); }
static void put32(bytes *w, uint32_t v)
{
    uint8_t t[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    put(w, t, 4);
}

/* A WAV file: RIFF header, optional junk chunk of odd size, fmt, data. */
static void make_wav(bytes *w, int tag, int bits, int channels, uint32_t rate, int extensible,
                     int junk, const void *data, size_t data_bytes, uint32_t claimed)
{
    static const uint8_t tail[14] = {0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80,
                                     0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71};
    w->n = 0;
    put(w, "RIFF", 4);
    put32(w, 0); /* RIFF size: nobody checks it (streaming writers leave it 0) */
    put(w, "WAVE", 4);
    if (junk) {
        put(w, "LIST", 4);
        put32(w, 3);
        put(w, "abc\0", 4); /* 3 bytes + the pad byte */
    }
    put(w, "fmt ", 4);
    put32(w, extensible ? 40 : 16);
    put16(w, extensible ? 0xFFFE : (uint32_t)tag);
    put16(w, (uint32_t)channels);
    put32(w, rate);
    put32(w, rate * (uint32_t)(channels * bits / 8));
    put16(w, (uint32_t)(channels * bits / 8));
    put16(w, (uint32_t)bits);
    if (extensible) {
        put16(w, 22);
        put16(w, (uint32_t)bits); /* valid bits */
        put32(w, 0);              /* channel mask */
        put16(w, (uint32_t)tag);
        put(w, tail, 14);
    }
    put(w, "data", 4);
    put32(w, claimed);
    put(w, data, data_bytes);
}

/* Parse from an exact-size heap copy, so that ASan catches any overread. */
static ff_status parse_exact(const bytes *w, size_t len, ff_wav_info *info)
{
    uint8_t *copy = malloc(len ? len : 1);
    ff_status st;
    memcpy(copy, w->b, len);
    st = ff_wav_parse(copy, (int64_t)len, (int64_t)len, info);
    free(copy);
    return st;
}

static void test_subformats(void)
{
    /* little-endian samples, and what libsndfile reads them as */
    static const uint8_t u8[] = {0, 128, 255};
    static const float u8_want[] = {-1.0f, 0.0f, 127.0f / 128.0f};
    static const uint8_t s16[] = {0x00, 0x80, 0xff, 0x7f, 0x01, 0x00};
    static const float s16_want[] = {-1.0f, 32767.0f / 32768.0f, 1.0f / 32768.0f};
    static const uint8_t s24[] = {0x00, 0x00, 0x80, 0xff, 0xff, 0x7f, 0xff, 0xff, 0xff};
    static const float s24_want[] = {-1.0f, 8388607.0f / 8388608.0f, -1.0f / 8388608.0f};
    static const uint8_t s32[] = {0x00, 0x00, 0x00, 0x80, 0xff, 0xff, 0xff, 0x7f, 0x40, 0x00, 0x00, 0x00};
    /* int32 max rounds to 1.0f in float32, as libsndfile's float conversion does */
    static const float s32_want[] = {-1.0f, 1.0f, 64.0f / 2147483648.0f};
    float f32v[3] = {0.25f, -0.5f, 1e-3f};
    double f64v[3] = {0.1, -0.75, 1.0 + 1e-12};
    float f64_want[3];
    uint8_t f32[12], f64[24];
    struct { int tag, bits; const uint8_t *data; size_t bytes; const float *want; } cases[] = {
        {1, 8, u8, sizeof u8, u8_want},   {1, 16, s16, sizeof s16, s16_want},
        {1, 24, s24, sizeof s24, s24_want}, {1, 32, s32, sizeof s32, s32_want},
        {3, 32, f32, sizeof f32, f32v},   {3, 64, f64, sizeof f64, f64_want},
    };
    size_t c;
    int ext, junk, i;
    memcpy(f32, f32v, sizeof f32); /* the tests run on little-endian hosts */
    memcpy(f64, f64v, sizeof f64);
    for (i = 0; i < 3; i++) f64_want[i] = (float)f64v[i];
    for (c = 0; c < sizeof cases / sizeof cases[0]; c++)
        for (ext = 0; ext < 2; ext++)
            for (junk = 0; junk < 2; junk++) {
                bytes w;
                ff_wav_info info;
                float out[3] = {9, 9, 9};
                ff_status st;
                make_wav(&w, cases[c].tag, cases[c].bits, 1, 16000, ext, junk, cases[c].data,
                         cases[c].bytes, (uint32_t)cases[c].bytes);
                st = parse_exact(&w, w.n, &info);
                EXPECT(st == FF_OK, "tag %d bits %d ext %d: status %d", cases[c].tag, cases[c].bits, ext, st);
                if (st != FF_OK) continue;
                EXPECT(info.format == cases[c].tag && info.bits == cases[c].bits && info.channels == 1 &&
                           info.sample_rate == 16000 && info.frames == 3 &&
                           info.data_offset == (int64_t)(w.n - cases[c].bytes),
                       "tag %d bits %d: info", cases[c].tag, cases[c].bits);
                EXPECT(ff_wav_decode(&info, w.b + info.data_offset, 3, out) == FF_OK, "decode");
                for (i = 0; i < 3; i++)
                    EXPECT(out[i] == cases[c].want[i], "tag %d bits %d sample %d: %.9g != %.9g",
                           cases[c].tag, cases[c].bits, i, out[i], cases[c].want[i]);
            }
}

static void test_sizes(void)
{
    static const uint8_t s16[8] = {1, 0, 2, 0, 3, 0, 4, 0};
    bytes w;
    ff_wav_info info;
    size_t len;
    /* data chunk claims more than the file has (truncated, or 0xFFFFFFFF) */
    make_wav(&w, 1, 16, 1, 8000, 0, 0, s16, 7, 0xFFFFFFFFu);
    EXPECT(parse_exact(&w, w.n, &info) == FF_OK && info.frames == 3, "clipped to whole frames");
    /* stereo: frames are sample pairs, a half frame is dropped */
    make_wav(&w, 1, 16, 2, 8000, 0, 0, s16, 6, 6);
    EXPECT(parse_exact(&w, w.n, &info) == FF_OK && info.channels == 2 && info.frames == 1, "stereo");
    /* a data chunk shorter than the file: the bytes after it are not samples */
    make_wav(&w, 1, 16, 1, 8000, 0, 1, s16, 8, 4);
    EXPECT(parse_exact(&w, w.n, &info) == FF_OK && info.frames == 2, "data size honoured");
    /* every cut inside the header is FF_E_FORMAT, never an overread */
    make_wav(&w, 1, 16, 1, 8000, 1, 1, s16, 8, 8);
    for (len = 0; len < w.n - 8; len++)
        EXPECT(parse_exact(&w, len, &info) == FF_E_FORMAT, "cut at %zu", len);
    EXPECT(parse_exact(&w, w.n - 8, &info) == FF_OK && info.frames == 0, "header only: no frames");
}

static void test_not_plain(void)
{
    static const uint8_t d[4] = {0};
    bytes w;
    ff_wav_info info;
    make_wav(&w, 7, 8, 1, 8000, 0, 0, d, 4, 4); /* mu-law */
    EXPECT(parse_exact(&w, w.n, &info) == FF_E_FORMAT, "mu-law");
    make_wav(&w, 1, 12, 1, 8000, 0, 0, d, 4, 4); /* 12-bit PCM */
    EXPECT(parse_exact(&w, w.n, &info) == FF_E_FORMAT, "12-bit");
    make_wav(&w, 3, 16, 1, 8000, 0, 0, d, 4, 4); /* 16-bit float */
    EXPECT(parse_exact(&w, w.n, &info) == FF_E_FORMAT, "16-bit float");
    make_wav(&w, 1, 16, 0, 8000, 0, 0, d, 4, 4);
    EXPECT(parse_exact(&w, w.n, &info) == FF_E_FORMAT, "no channels");
    make_wav(&w, 1, 16, 1, 0, 0, 0, d, 4, 4);
    EXPECT(parse_exact(&w, w.n, &info) == FF_E_FORMAT, "rate 0");
    make_wav(&w, 1, 16, 1, 0x80000000u, 0, 0, d, 4, 4);
    EXPECT(parse_exact(&w, w.n, &info) == FF_E_FORMAT, "rate beyond int32");
    make_wav(&w, 1, 16, 1, 8000, 1, 0, d, 4, 4);
    w.b[12 + 8 + 18] = 12; /* extensible with 12 valid bits in a 16-bit container */
    EXPECT(parse_exact(&w, w.n, &info) == FF_E_FORMAT, "valid bits < container");
    make_wav(&w, 1, 16, 1, 8000, 0, 0, d, 4, 4);
    w.b[12 + 8 + 12] = 4; /* block align that does not match */
    EXPECT(parse_exact(&w, w.n, &info) == FF_E_FORMAT, "block align");
    make_wav(&w, 1, 16, 1, 8000, 0, 0, d, 4, 4);
    memcpy(w.b, "RIFX", 4); /* big-endian */
    EXPECT(parse_exact(&w, w.n, &info) == FF_E_FORMAT, "RIFX");
    make_wav(&w, 1, 16, 1, 8000, 0, 0, d, 4, 4);
    memcpy(w.b + 12, "junk", 4); /* no fmt chunk before data */
    EXPECT(parse_exact(&w, w.n, &info) == FF_E_FORMAT, "no fmt");
    EXPECT(ff_wav_parse(NULL, 0, 0, &info) == FF_E_ARG, "NULL buffer");
    EXPECT(ff_wav_parse(w.b, 10, 5, &info) == FF_E_ARG, "file smaller than buffer");
    make_wav(&w, 1, 16, 1, 8000, 0, 0, d, 4, 4);
    EXPECT(parse_exact(&w, w.n, &info) == FF_OK, "plain");
    EXPECT(ff_wav_decode(&info, NULL, 2, NULL) == FF_E_ARG, "decode NULL buffers");
    EXPECT(ff_wav_decode(&info, NULL, 0, NULL) == FF_OK, "decode nothing");
    EXPECT(ff_wav_decode(&info, d, -1, NULL) == FF_E_ARG, "decode negative count");
    EXPECT(ff_wav_decode(NULL, d, 1, NULL) == FF_E_ARG, "decode NULL info");
    info.format = 7;
    EXPECT(ff_wav_decode(&info, d, 0, NULL) == FF_E_FORMAT, "decode mu-law");
}

int main(void)
{
    test_subformats();
    test_sizes();
    test_not_plain();
    printf("test_wav: %d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
