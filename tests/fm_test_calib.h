/* fm_test_calib.h -- the shared pieces of the calibration tests (suite
 * slow): how many seeds a run uses, and the binomial critical count a rate
 * of alarms is judged by. */
#ifndef FM_TEST_CALIB_H
#define FM_TEST_CALIB_H

#include <gsl/gsl_cdf.h>
#include <stddef.h>
#include <stdlib.h>

/* FM_CALIB_SEEDS when set to a positive number, else 200. */
static inline size_t fm_test_calib_seeds(void)
{
  const char *s = getenv("FM_CALIB_SEEDS");
  return s != NULL && atoi(s) > 0 ? (size_t)atoi(s) : 200;
}

/* Smallest k with P(X >= k) <= 1e-3 for X ~ Bin(n, a): k alarms or more
 * out of n runs at level a say the rate is above a. */
static inline unsigned fm_test_calib_binom_crit(double a, size_t n)
{
  unsigned k = 0;
  while (k <= n && (k == 0 ? 1.0 : gsl_cdf_binomial_Q(k - 1, a, (unsigned)n)) > 1e-3)
    k++;
  return k;
}

#endif
