/* expect.h -- the check macro of the C test programs (one include per program). */
#ifndef FASTFEAT_TESTS_EXPECT_H
#define FASTFEAT_TESTS_EXPECT_H

#include <stdio.h>

static int passed, failed;

/* Count a check; on failure print where and why (printf-style) and go on. */
#define EXPECT(cond, ...)                                        \
    do {                                                         \
        if (cond) {                                              \
            passed++;                                            \
        } else {                                                 \
            failed++;                                            \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); \
            fprintf(stderr, __VA_ARGS__);                        \
            fputc('\n', stderr);                                 \
        }                                                        \
    } while (0)

#endif
