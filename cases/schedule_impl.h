/* schedule_impl.h -- private: the schedule object and its method table.
 * Only cases/schedule*.c include this. */
#ifndef FM_SCHEDULE_IMPL_H
#define FM_SCHEDULE_IMPL_H

#include "schedule.h"

typedef struct fm_schedule_type {
  const char *name;
  /* parameter names, in the order of fm_schedule.par; NULL-terminated */
  const char *const *params;
  int (*eval)(fm_sched_val *v, const fm_schedule *s, double t);
  /* NULL when there is no independent high-precision twin */
  int (*eval_mp)(fm_sched_mp *v, const fm_schedule *s, const mpfr_t t);
  /* frees impl (may be NULL when impl is unused) */
  void (*free_impl)(void *impl);
} fm_schedule_type;

#define FM_SCHED_MAXPAR 4

struct fm_schedule {
  const fm_schedule_type *type;
  double par[FM_SCHED_MAXPAR];
  void *impl;            /* expr evaluators, splines */
  char desc[256];        /* fm_schedule_describe */
};

/* Allocate a schedule of the given type and fill desc; impl = NULL. */
int fm_schedule_new(fm_schedule **s, const fm_schedule_type *type, const double *par,
                    fm_errmsg *e);

/* Built-in MPFR twins (schedule_mp.c). */
int fm_sched_cond_ot_mp(fm_sched_mp *v, const fm_schedule *s, const mpfr_t t);
int fm_sched_vp_mp(fm_sched_mp *v, const fm_schedule *s, const mpfr_t t);
int fm_sched_ve_mp(fm_sched_mp *v, const fm_schedule *s, const mpfr_t t);
int fm_sched_cosine_mp(fm_sched_mp *v, const fm_schedule *s, const mpfr_t t);
int fm_sched_polynomial_mp(fm_sched_mp *v, const fm_schedule *s, const mpfr_t t);
int fm_sched_linear_vp_mp(fm_sched_mp *v, const fm_schedule *s, const mpfr_t t);

extern const fm_schedule_type fm_schedule_type_expr;   /* schedule_expr.c */
extern const fm_schedule_type fm_schedule_type_table;  /* schedule_table.c */

#endif
