/* pointwise.c -- the double path and its MPFR twin at the points of a
 * check (pointwise.h). */
#include "pointwise.h"

#include <math.h>

#include "mp.h"

/* MPFR's convention: a reference at p + 20 bits. */
#define FM_POINTWISE_GUARD_BITS 20

int fm_pointwise_alloc(fm_pointwise *pw, const fm_case *c, const fm_check_opts *o)
{
  size_t d = c->gmm->d;
  *pw = (fm_pointwise){.c = c, .d = d, .prec = (mpfr_prec_t)o->prec, .exact_schedule = 1};
  pw->eps_mp = ldexp(1.0, FM_POINTWISE_GUARD_BITS - (int)o->prec);
  fm_sched_mp_init(&pw->vm, pw->prec);
  int st = fm_gmm_path_alloc(&pw->path, c->gmm);
  st = st ? st : fm_path_err_alloc(&pw->pe, c->gmm);
  st = st ? st : fm_mp_vec_alloc(&pw->xm, d, pw->prec);
  return st;
}

void fm_pointwise_free(fm_pointwise *pw)
{
  fm_gmm_path_free(pw->path);
  fm_path_err_free(pw->pe);
  fm_mp_vec_free(pw->xm, pw->d);
  fm_sched_mp_clear(&pw->vm);
}

int fm_pointwise_twin(fm_sched_mp *vm, fm_pointwise *pw, double t)
{
  int exact = 1;
  int st = fm_schedule_eval_mp_or_double(vm, &exact, pw->c->sched, t);
  if (st == FM_OK)
    pw->exact_schedule &= exact;
  return st;
}

void fm_pointwise_note(fm_verdict *v, const fm_pointwise *pw)
{
  if (!pw->exact_schedule)
    fm_verdict_notef(v, "schedule has no MPFR twin: route 3 takes its double values as exact");
}
