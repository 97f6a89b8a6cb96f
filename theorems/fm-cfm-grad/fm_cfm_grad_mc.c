/* fm_cfm_grad_mc.c -- route 2 of theorem `fm-cfm-grad` (fm_cfm_grad.c):
 * Monte Carlo with common random numbers, in every dimension.  Each draw
 * (t, x0, x1) feeds both the FM and the CFM estimator at the same x; draws
 * come in groups sharing t, whose means give the standard errors of the
 * gradient differences (at Theta_1) and of the loss gaps minus the per-draw
 * closed-form tr Cov (at each Theta); two Holm-corrected families of
 * z-tests.  The statement in fm_cfm_grad.c says why the families are split.
 * Also fm_fg_mc (fm_cfm_grad.h): the route on its own, for calibration.
 */
#include "fm_cfm_grad_impl.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cond.h"
#include "mc.h"

typedef struct {
  fm_fg_work *w;
  fm_rng rt, r0, r1;
  size_t m;                 /* dp + NTHETA */
  double *acc, *vf, *vc;
  fm_welford *wf;
} fm_fg_mcw;

/* One draw i at the current t: adds its dp gradient differences and
 * NTHETA gaps to acc. */
static int fm_fg_mc_draw(fm_fg_mcw *m, uint64_t i)
{
  fm_fg_work *w = m->w;
  size_t d = w->d, p = w->p;
  int same_x = w->mutant != FM_FG_CFM_NO_SIGMA;
  fm_rng_normals(w->x, d, &m->r0, i * (uint64_t)d); /* x0 for now */
  fm_gmm_sample(w->x1, w->c->gmm, &m->r1, i);
  for (size_t j = 0; j < d; j++) {
    double x0 = w->x[j];
    w->x[j] = w->v.sigma * x0 + w->v.alpha * w->x1[j];
    w->xc[j] = same_x ? w->x[j] : w->v.alpha * w->x1[j] + x0;
  }
  int st = fm_fg_fm_target(w->u, w, w->x);
  if (st != FM_OK)
    return st;
  fm_gpost_val pv;
  fm_gpost_eval(&pv, w->post, w->path, &w->v, FM_GPOST_POSTERIOR);
  fm_cond_field(w->uc, &w->vc, w->xc, w->x1, d);
  fm_linfeat_eval(w->phi, w->t, w->x, d);
  fm_linfeat_eval(w->phic, w->t, w->xc, d);
  for (size_t j = 0; j < FM_FG_NTHETA; j++) {
    const double *th = w->Theta + j * w->dp;
    fm_linfeat_apply(m->vf, th, w->phi, d, p);
    if (same_x)
      memcpy(m->vc, m->vf, d * sizeof *m->vc);
    else
      fm_linfeat_apply(m->vc, th, w->phic, d, p);
    double gf = 0.0, gc = 0.0;
    for (size_t k = 0; k < d; k++) {
      double rf = m->vf[k] - w->u[k], rc = m->vc[k] - w->uc[k];
      gf += rf * rf;
      gc += rc * rc;
      for (size_t a = 0; j == 0 && a < p; a++)
        m->acc[k * p + a] += 2.0 * (rf * w->phi[a] - rc * w->phic[a]);
    }
    m->acc[w->dp + j] += gc - gf - pv.trcov_u;
  }
  return FM_OK;
}

static int fm_fg_mc_run(fm_fg_mcw *m, size_t ngroups)
{
  fm_fg_work *w = m->w;
  int st = FM_OK;
  for (size_t gidx = 0; gidx < ngroups && st == FM_OK; gidx++) {
    double t = FM_FG_TMIN + (FM_FG_TMAX - FM_FG_TMIN) * fm_rng_uniform(&m->rt, gidx);
    st = fm_fg_set_time(w, t);
    memset(m->acc, 0, m->m * sizeof *m->acc);
    for (size_t r = 0; r < FM_FG_GROUP && st == FM_OK; r++)
      st = fm_fg_mc_draw(m, gidx * FM_FG_GROUP + r);
    for (size_t i = 0; i < m->m && st == FM_OK; i++)
      fm_welford_add(&m->wf[i], m->acc[i] / FM_FG_GROUP);
  }
  return st;
}

/* The two families' z-tests from the group means; fills r. */
static int fm_fg_mc_tests(fm_fg_mc_result *r, const fm_fg_mcw *m, double *est, double *se,
                          double *zero, double alpha)
{
  size_t dp = m->w->dp;
  for (size_t i = 0; i < m->m; i++) {
    est[i] = m->wf[i].mean;
    se[i] = fm_welford_se(&m->wf[i]);
    zero[i] = 0.0;
  }
  fm_ztest zg, zl;
  int st = fm_mc_ztest(&zg, est, se, zero, dp, 0.5 * alpha);
  st = st ? st : fm_mc_ztest(&zl, est + dp, se + dp, zero, FM_FG_NTHETA, 0.5 * alpha);
  if (st != FM_OK)
    return st;
  r->m_grad = dp;
  r->z_grad = zg.zmax;
  r->i_grad = zg.imax;
  r->zcrit_grad = zg.zcrit;
  r->z_gap = zl.zmax;
  r->i_gap = zl.imax;
  r->zcrit_gap = zl.zcrit;
  r->p_adj = fmin(1.0, 2.0 * fmin(zg.pmin_holm, zl.pmin_holm));
  r->margin = fmax(zg.zmax / zg.zcrit, zl.zmax / zl.zcrit);
  for (size_t j = 0; j < FM_FG_NTHETA; j++) {
    r->gap[j] = est[dp + j];
    r->gap_se[j] = se[dp + j];
  }
  return FM_OK;
}

int fm_fg_mc_work(fm_fg_mc_result *r, fm_fg_work *w, uint64_t seed, size_t n, double alpha)
{
  return fm_fg_mc_work_pow(r, w, seed, n, alpha, NULL, NULL, NULL);
}

/* The MC route on an allocated workspace (Theta already drawn). */
int fm_fg_mc_work_pow(fm_fg_mc_result *r, fm_fg_work *w, uint64_t seed, size_t n, double alpha,
                      const double *eff, double *pz_grad, double *pz_gap)
{
  size_t ngroups = n / FM_FG_GROUP;
  if (ngroups < 2 || !(alpha > 0.0 && alpha < 1.0))
    return FM_EINVAL;
  fm_fg_mcw m = {.w = w, .m = w->dp + FM_FG_NTHETA};
  m.rt = fm_rng_make(seed, FM_RNG_STREAM(FM_FG_RNG_TAG, FM_FG_S_T));
  m.r0 = fm_rng_make(seed, FM_RNG_STREAM(FM_FG_RNG_TAG, FM_FG_S_X0));
  m.r1 = fm_rng_make(seed, FM_RNG_STREAM(FM_FG_RNG_TAG, FM_FG_S_X1));
  m.acc = malloc((4 * m.m + 2 * w->d) * sizeof *m.acc);
  m.wf = malloc(m.m * sizeof *m.wf);
  int st = m.acc && m.wf ? FM_OK : FM_ENOMEM;
  if (st == FM_OK) {
    double *est = m.acc + m.m, *se = est + m.m, *zero = se + m.m;
    m.vf = zero + m.m;
    m.vc = m.vf + w->d;
    for (size_t i = 0; i < m.m; i++)
      fm_welford_init(&m.wf[i]);
    st = fm_fg_mc_run(&m, ngroups);
    r->n = ngroups * FM_FG_GROUP;
    st = st ? st : fm_fg_mc_tests(r, &m, est, se, zero, alpha);
    for (size_t i = 0; eff != NULL && st == FM_OK && i < m.m; i++) {
      double *pz = i < w->dp ? pz_grad : pz_gap;
      if (i == 0 || i == w->dp)
        *pz = 0.0;
      *pz = fmax(*pz, fabs(eff[i]) / se[i]);
    }
  }
  free(m.acc);
  free(m.wf);
  return st;
}

int fm_fg_mc(fm_fg_mc_result *r, const fm_case *c, uint64_t seed, size_t n, double alpha,
             int mutant)
{
  if (mutant == FM_FG_FM_PRIOR_W && c->gmm->K == 1)
    return FM_ENOTAVAIL;
  fm_fg_work w;
  int st = fm_fg_work_alloc(&w, c, mutant);
  if (st != FM_OK)
    return st;
  fm_fg_theta(&w, seed);
  st = fm_fg_mc_work(r, &w, seed, n, alpha);
  fm_fg_work_free(&w);
  return st;
}
