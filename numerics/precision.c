/* precision.c -- run-time probe of long double arithmetic (see precision.h). */
#include "precision.h"

int fm_precision_long_double_extended(void)
{
  /* volatile: the sum must be computed at run time, by the arithmetic the
   * library will actually use, not folded by the compiler. */
  volatile long double one = 1.0L, tiny = 0x1p-60L;
  long double s = one + tiny;
  return s != one;
}
