/*
 * wav.c -- header parsing and sample decoding of plain WAV files, from memory.
 *
 * No file I/O here: the caller reads the bytes (the Cython batch reader in
 * fastfeat/_engine.pyx reads whole files with the GIL released).  The rules
 * are those of fastfeat.io's portable reader, which falls back to libsndfile
 * for everything this returns FF_E_FORMAT on; tests hold both to soundfile.
 */
#include <string.h>

#include "fastfeat.h"

enum { WAV_PCM = 1, WAV_FLOAT = 3, WAV_EXTENSIBLE = 0xFFFE };

/* The 14 bytes that follow the format tag in a KSDATAFORMAT_SUBTYPE_* GUID. */
static const uint8_t subformat_tail[14] = {0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80,
                                           0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71};

static uint32_t le16(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8; }
static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static int plain(int32_t format, int32_t bits)
{
    if (format == WAV_PCM) return bits == 8 || bits == 16 || bits == 24 || bits == 32;
    if (format == WAV_FLOAT) return bits == 32 || bits == 64;
    return 0;
}

ff_status ff_wav_parse(const uint8_t *buf, int64_t len, int64_t file_size, ff_wav_info *info)
{
    int64_t pos = 12, avail, width;
    int have_fmt = 0;
    uint32_t align = 0;
    if (buf == NULL || info == NULL || len < 0 || file_size < len) return FF_E_ARG;
    memset(info, 0, sizeof *info);
    if (len < 12 || memcmp(buf, "RIFF", 4) != 0 || memcmp(buf + 8, "WAVE", 4) != 0)
        return FF_E_FORMAT;
    for (;;) {
        const uint8_t *chunk;
        int64_t size, padded;
        if (len - pos < 8) return FF_E_FORMAT; /* no data chunk in buf */
        chunk = buf + pos;
        size = (int64_t)le32(chunk + 4);
        pos += 8;
        if (memcmp(chunk, "data", 4) == 0) break;
        padded = size + (size & 1);
        if (memcmp(chunk, "fmt ", 4) == 0) {
            const uint8_t *b = buf + pos;
            if (size < 16 || len - pos < size) return FF_E_FORMAT;
            info->format = (int32_t)le16(b);
            info->channels = (int32_t)le16(b + 2);
            if (le32(b + 4) > 0x7fffffffu) return FF_E_FORMAT;
            info->sample_rate = (int32_t)le32(b + 4);
            align = le16(b + 12);
            info->bits = (int32_t)le16(b + 14);
            if (info->format == WAV_EXTENSIBLE) {
                /* valid bits must fill the container; the subformat names the coding */
                if (size < 40 || memcmp(b + 26, subformat_tail, 14) != 0 ||
                    (int32_t)le16(b + 18) != info->bits)
                    return FF_E_FORMAT;
                info->format = (int32_t)le16(b + 24);
            }
            have_fmt = 1;
        }
        if (padded > len - pos) return FF_E_FORMAT; /* the header goes past buf */
        pos += padded;
    }
    if (!have_fmt || !plain(info->format, info->bits) || info->channels < 1 ||
        info->sample_rate < 1 || align != (uint32_t)info->channels * (uint32_t)info->bits / 8)
        return FF_E_FORMAT;
    width = (int64_t)info->bits / 8 * info->channels;
    avail = file_size - pos;
    if (avail > (int64_t)le32(buf + pos - 4)) avail = (int64_t)le32(buf + pos - 4);
    info->data_offset = pos;
    info->frames = avail / width;
    return FF_OK;
}

ff_status ff_wav_decode(const ff_wav_info *info, const uint8_t *src, int64_t count, float *out)
{
    int64_t i;
    if (info == NULL || count < 0 || (count > 0 && (src == NULL || out == NULL)))
        return FF_E_ARG;
    if (!plain(info->format, info->bits)) return FF_E_FORMAT;
    if (info->format == WAV_FLOAT && info->bits == 32) {
        for (i = 0; i < count; i++) {
            uint32_t u = le32(src + 4 * i);
            float f;
            memcpy(&f, &u, sizeof f);
            out[i] = f;
        }
    } else if (info->format == WAV_FLOAT) {
        for (i = 0; i < count; i++) {
            uint64_t u = (uint64_t)le32(src + 8 * i) | (uint64_t)le32(src + 8 * i + 4) << 32;
            double d;
            memcpy(&d, &u, sizeof d);
            out[i] = (float)d;
        }
    } else if (info->bits == 8) {
        for (i = 0; i < count; i++) out[i] = ((float)src[i] - 128.0f) * 0x1p-7f;
    } else if (info->bits == 16) {
        for (i = 0; i < count; i++)
            out[i] = (float)(int16_t)le16(src + 2 * i) * 0x1p-15f;
    } else if (info->bits == 24) {
        /* the sample in the top 3 bytes of an int32, scaled by 2^-31 (as libsndfile) */
        for (i = 0; i < count; i++) {
            const uint8_t *p = src + 3 * i;
            uint32_t u = (uint32_t)p[0] << 8 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 24;
            out[i] = (float)(int32_t)u * 0x1p-31f;
        }
    } else {
        for (i = 0; i < count; i++) out[i] = (float)(int32_t)le32(src + 4 * i) * 0x1p-31f;
    }
    return FF_OK;
}
