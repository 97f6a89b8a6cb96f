/* field.h -- a velocity field v(t, x) as a batched callback: the one
 * interface through which the samplers (sample.h) and the CNF likelihood
 * (loglik.h) see either the analytic marginal field u_t of a case or a
 * trained MLP v_theta.  The analytic-field tests and the model CLI therefore
 * run the same integration code.
 *
 * A call evaluates n rows x_i (n x d, row-major) at one time t: both
 * integrators advance every trajectory of a batch through the same time
 * nodes, so quantities that depend on t only (the GMM path's factorisation,
 * the MLP's time features) are formed once per call.
 *
 * Three operations, the last two optional:
 *   eval  v (n x d)
 *   div   v and the exact divergence tr dv/dx (n)            (CNF, exact)
 *   jvp   v and (dv/dx) w_i for given directions w (n x d)   (Hutchinson)
 * The wrappers fm_field_eval/_div/_jvp count evaluated rows, from which
 * the samplers report NFE (function evaluations per sample).
 *
 * Adapters:
 *  - fm_field_gmm_alloc: u_t of a GMM path (gmm.h), evaluated row by row by
 *    fm_gmm_path_eval; the divergence and Jacobian-vector product in closed
 *    form (field_gmm.c) from the same posterior quantities.
 *  - fm_field_mlp_alloc: the MLP of mlp.h, batched (fm_mlp_forward,
 *    fm_mlp_divergence, fm_mlp_jvp), in sub-batches of at most max_batch
 *    rows.
 * A caller may also fill the struct by hand (a test's mutant field); then
 * destroy is NULL and fm_field_free only ignores it.
 */
#ifndef FM_FIELD_H
#define FM_FIELD_H

#include <stddef.h>
#include <stdint.h>

#include "fm_status.h"
#include "gmm.h"
#include "mlp.h"
#include "schedule.h"

typedef int (*fm_field_eval_fn)(double *v, double t, const double *x, size_t n, void *ctx);
typedef int (*fm_field_div_fn)(double *v, double *div, double t, const double *x, size_t n,
                               void *ctx);
typedef int (*fm_field_jvp_fn)(double *v, double *jv, double t, const double *x,
                               const double *w, size_t n, void *ctx);

typedef struct fm_field {
  size_t d;                  /* dimension of x and v */
  fm_field_eval_fn eval;     /* required */
  fm_field_div_fn div;       /* NULL: no exact divergence */
  fm_field_jvp_fn jvp;       /* NULL: no Jacobian-vector product */
  void *ctx;
  /* The schedule of the path the field transports along (borrowed), or
   * NULL.  Needed only by the SDE sampler, which converts v to a score. */
  const fm_schedule *sched;
  void (*destroy)(struct fm_field *f); /* frees ctx and f; NULL for a hand-built field */
  uint64_t rows;             /* rows evaluated so far (any of the three calls) */
  uint64_t calls;            /* batched calls so far */
} fm_field;

/* The three operations, counting rows and calls.  FM_ENOTAVAIL when the
 * field lacks div or jvp; otherwise the adapter's status. */
int fm_field_eval(fm_field *f, double *v, double t, const double *x, size_t n);
int fm_field_div(fm_field *f, double *v, double *div, double t, const double *x, size_t n);
int fm_field_jvp(fm_field *f, double *v, double *jv, double t, const double *x,
                 const double *w, size_t n);

void fm_field_free(fm_field *f);

/* The analytic marginal field u_t(x) of the path of g under schedule s
 * (both borrowed; they must outlive f).  Every operation is available.
 * Status of an evaluation: the schedule's (FM_EDOM outside [0, 1], FM_ESING
 * where a derivative is infinite, e.g. VP and linear_vp at t = 1), or
 * FM_ENONFIN for a non-finite x. */
int fm_field_gmm_alloc(fm_field **f, const fm_gmm *g, const fm_schedule *s, fm_errmsg *e);

/* The closed interval [*t0, *t1] on which the analytic field of schedule s
 * can be evaluated at both ends: t0 = 0 or FM_FIELD_END_DELTA, t1 = 1 or
 * 1 - FM_FIELD_END_DELTA, moved in only where fm_schedule_eval fails at the
 * end itself (VP and linear_vp at t = 1, where sigma' = -inf although u
 * stays finite; polynomial n < 1 at t = 0).  FM_EDOM when the schedule
 * fails at the shifted end as well. */
#define FM_FIELD_END_DELTA 1e-6
int fm_field_gmm_interval(double *t0, double *t1, const fm_schedule *s);

/* The MLP m (borrowed) as a field; sched (borrowed, may be NULL) is the
 * schedule the model was trained on.  Work space for max_batch rows (larger
 * calls are split).  Every operation is available. */
int fm_field_mlp_alloc(fm_field **f, const fm_mlp *m, const fm_schedule *sched,
                       size_t max_batch, fm_errmsg *e);

#endif
