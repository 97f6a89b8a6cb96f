/* fm_cfm_grad_work.c -- the workspace of theorem `fm-cfm-grad`'s
 * linear-feature routes (fm_cfm_grad.c): its buffers, the three random
 * Theta of a seed, the schedule values at t (the CFM candidate's with the
 * sigma' mutant applied) and the FM target (with the prior-weights mutant
 * applied).  Route 1 (fm_cfm_grad_quad.c) and route 2 (fm_cfm_grad_mc.c)
 * both evaluate through these, so a mutant means the same thing to both.
 */
#include "fm_cfm_grad_impl.h"

#include <math.h>
#include <stdlib.h>

#define FM_FG_THETA_SCALE 0.5 /* Theta entries 0.5/sqrt(p) N(0,1) */
#define FM_FG_GH_CFM 3        /* route 1's CFM rule: exact for degree <= 5 */

void fm_fg_work_free(fm_fg_work *w)
{
  fm_gmm_path_free(w->path);
  fm_gpost_free(w->post);
  fm_quad_rule_free(w->gh3);
  free(w->buf);
}

/* Size of the t-integrand's output (see fm_fg_t_node). */
size_t fm_fg_nt_out(const fm_fg_work *w)
{
  return 3 * w->ms + w->dp + 4;
}

int fm_fg_work_alloc(fm_fg_work *w, const fm_case *c, int mutant)
{
  size_t d = c->gmm->d, p = fm_linfeat_count(d);
  *w = (fm_fg_work){.c = c, .mutant = mutant, .d = d, .p = p, .K = c->gmm->K};
  w->dp = d * p;
  w->ms = p * p + w->dp + 1;
  size_t nout = fm_fg_nt_out(w);
  size_t n = 2 * p + 6 * d + d * d + 4 * d * d + 2 * nout + FM_FG_NTHETA * w->dp;
  int st = fm_gmm_path_alloc(&w->path, c->gmm);
  st = st ? st : fm_gpost_alloc(&w->post, c->gmm);
  st = st ? st : fm_quad_rule_hermite(&w->gh3, FM_FG_GH_CFM);
  if (st == FM_OK && (w->buf = calloc(n, sizeof *w->buf)) == NULL)
    st = FM_ENOMEM;
  if (st != FM_OK) {
    fm_fg_work_free(w);
    return st;
  }
  double *b = w->buf;
  w->phi = b, b += p;
  w->phic = b, b += p;
  w->u = b, b += d;
  w->uc = b, b += d;
  w->x = b, b += d;
  w->xc = b, b += d;
  w->x1 = b, b += d;
  w->mu = b, b += d;
  w->L = b, b += d * d;
  w->I2 = b, b += 4 * d * d;
  w->val = b, b += nout;
  w->err = b, b += nout;
  w->Theta = b;
  for (size_t i = 0; i < 2 * d; i++)
    w->I2[i * 2 * d + i] = 1.0;
  return FM_OK;
}

/* The three random Theta of seed. */
void fm_fg_theta(fm_fg_work *w, uint64_t seed)
{
  fm_rng r = fm_rng_make(seed, FM_RNG_STREAM(FM_FG_RNG_TAG, FM_FG_S_THETA));
  fm_rng_normals(w->Theta, FM_FG_NTHETA * w->dp, &r, 0);
  double s = FM_FG_THETA_SCALE / sqrt((double)w->p);
  for (size_t i = 0; i < FM_FG_NTHETA * w->dp; i++)
    w->Theta[i] *= s;
}

/* Schedule values at t: true, and the CFM candidate's (sigma' x 1.01). */
int fm_fg_set_time(fm_fg_work *w, double t)
{
  int st = fm_schedule_eval(&w->v, w->c->sched, t);
  st = st ? st : fm_gmm_path_set(w->path, &w->v);
  w->vc = w->v;
  if (w->mutant == FM_FG_CFM_SIGMA_OFF)
    w->vc.dsigma *= 1.01;
  w->t = t;
  return st;
}

/* FM target at x (true path set at t): u, or the prior-weighted field. */
int fm_fg_fm_target(double *u, fm_fg_work *w, const double *x)
{
  int st = fm_gmm_path_eval(NULL, NULL, NULL, u, w->path, x);
  if (st == FM_OK && w->mutant == FM_FG_FM_PRIOR_W)
    fm_gpost_prior_field(u, w->post, w->path, &w->v);
  return st;
}
