/* fnv.c -- FNV-1a 64 (fnv.h). */
#include "fnv.h"

#include <string.h>

uint64_t fm_fnv_bytes(uint64_t h, const void *p, size_t n)
{
  const unsigned char *b = p;
  for (size_t i = 0; i < n; i++) {
    h ^= b[i];
    h *= FM_FNV_PRIME;
  }
  return h;
}

uint64_t fm_fnv_str(const char *s)
{
  return fm_fnv_bytes(FM_FNV_OFFSET, s, strlen(s));
}
