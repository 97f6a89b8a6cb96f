/* adam.h -- the Adam optimiser (Kingma & Ba, "Adam: a method for stochastic
 * optimization", ICLR 2015, Algorithm 1), in the paper's literal form:
 *
 *   k <- k + 1
 *   m <- beta1 m + (1 - beta1) g          v <- beta2 v + (1 - beta2) g^2
 *   mhat = m / (1 - beta1^k)              vhat = v / (1 - beta2^k)
 *   theta <- theta - lr mhat / (sqrt(vhat) + eps)
 *
 * (not the "efficient" variant of §2 that folds the bias corrections into
 * the step size and so moves eps).  The state (k, m, v) is plain data so
 * that a model file can save it and a resumed run continues bit for bit.
 * The learning rate is an argument of each step: schedules (cosine decay)
 * belong to the caller.
 */
#ifndef FM_ADAM_H
#define FM_ADAM_H

#include <stddef.h>
#include <stdint.h>

#include "fm_status.h"

typedef struct {
  double beta1, beta2, eps;
} fm_adam_param;

/* The paper's defaults: beta1 = 0.9, beta2 = 0.999, eps = 1e-8. */
fm_adam_param fm_adam_param_default(void);
/* FM_EINVAL unless 0 <= beta1 < 1, 0 <= beta2 < 1, eps > 0 (all finite). */
int fm_adam_param_check(const fm_adam_param *p, fm_errmsg *e);

typedef struct {
  size_t n;      /* number of parameters */
  uint64_t k;    /* steps taken */
  double *m, *v; /* first and second moment estimates, n each */
} fm_adam;

/* k = 0, m = v = 0. */
int fm_adam_alloc(fm_adam **a, size_t n);
void fm_adam_free(fm_adam *a);

/* One update of theta (n) with gradient g (n) and step size lr. */
void fm_adam_step(fm_adam *a, double *theta, const double *g, double lr,
                  const fm_adam_param *p);

#endif
