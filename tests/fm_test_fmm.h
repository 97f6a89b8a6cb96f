/* fm_test_fmm.h -- editing a model image (.fmm, cases/model_file.h) the
 * way a buggy or malicious writer would: little-endian fields overwritten,
 * then the CRC-32 trailer made consistent again, so that only the parser's
 * own field checks stand between the edit and a loaded model. */
#ifndef FM_TEST_FMM_H
#define FM_TEST_FMM_H

#include <stddef.h>
#include <stdint.h>
#include <zlib.h>

static inline void fm_test_put_u32(unsigned char *p, uint32_t v)
{
  for (int i = 0; i < 4; i++)
    p[i] = (unsigned char)(v >> (8 * i));
}

static inline void fm_test_put_u64(unsigned char *p, uint64_t v)
{
  for (int i = 0; i < 8; i++)
    p[i] = (unsigned char)(v >> (8 * i));
}

/* Re-seal an edited image of len bytes with a correct CRC. */
static inline void fm_test_reseal(unsigned char *buf, size_t len)
{
  fm_test_put_u32(buf + len - 4, (uint32_t)crc32_z(0L, buf, len - 4));
}

#endif
