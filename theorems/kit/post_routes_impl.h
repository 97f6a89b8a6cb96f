/* post_routes_impl.h -- internal to the posterior-expectation routes
 * (post_routes.h): the scratch of one estimator call, the check driver's
 * workspace, and the entry points of the files:
 *   post_mc.c      mixture log-densities, the Monte Carlo estimators;
 *   post_quad.c    the quadrature rules and their a priori resolution;
 *   post_routes.c  the check driver (per point: candidate, routes);
 *   post_report.c  route summaries, decisions and the verdict.
 * Internal: only those files include it. */
#ifndef FM_POST_ROUTES_IMPL_H
#define FM_POST_ROUTES_IMPL_H

#include "points.h"
#include "post_routes.h"
#include "quad.h"

/* Scratch for one estimator call. */
typedef struct {
  double *x1, *y, *tmp, *lk, *ld_q, *ld_r;
} fm_post_scratch;

typedef struct {
  const fm_case *c;
  const fm_post_spec *spec;
  int mutant;
  size_t d, K, n, nmc, N, gh_n;
  fm_pointset *ps;
  fm_gmm_path *pt, *pc;
  fm_snis *acc;
  fm_quad_rule *gh[2];
  double *ghlw[2];
  double *mem;
  fm_post_scratch s;
  /* per point */
  double *cand, *Q, *tolq;   /* n*d, n*d, n */
  int *qdec;                 /* n: 1 decided, 0 unresolved a priori, -1 error estimate too big */
  double *est[2], *se[2], *ess[2]; /* MC routes: nmc*d, nmc*d, nmc */
  double *essp[2];           /* population ESS: exact (plain), lower bound (IS); nmc */
  double *skew;              /* plain route: E w^3 / (E w^2)^{3/2} / sqrt N, exact; nmc */
  double *mcand;             /* nmc*d: candidate for the MC points */
  double *rnd;               /* nmc: rounding allowance of the MC z-test (post_routes.h) */
} fm_post_work;

/* --- post_mc.c --- */
/* log N(y; m, L L') with logdet = log det(L L'); tmp of length d. */
double fm_post_lognormal(const double *y, const double *m, const double *L, double logdet,
                         size_t d, double *tmp);
/* ld[k] = log det S_k for every component of g. */
void fm_post_logdets(double *ld, const fm_gmm *g);
/* s in one malloc'ed block *mem (free it). */
int fm_post_scratch_alloc(fm_post_scratch *s, size_t d, size_t K, double **mem);
/* N draws x1 ~ q into acc, weights p_t(x|x1). */
int fm_post_mc_plain(fm_snis *acc, const fm_gmm *g, const fm_sched_val *v, const double *x,
                     fm_post_fn f, size_t N, const fm_rng *r, fm_post_scratch *s);
/* N draws x1 ~ prop into acc, weights q p_t(x|x1) / prop. */
int fm_post_mc_is(fm_snis *acc, const fm_gmm *g, const fm_gmm *prop, const fm_sched_val *v,
                  const double *x, fm_post_fn f, size_t N, const fm_rng *r,
                  fm_post_scratch *s);
/* The IS proposal: a copy of the posterior with g's weights. */
int fm_post_proposal(fm_gmm **prop, const fm_gmm *post, const fm_gmm *g);

/* --- post_quad.c --- */
/* Prior-centred tensor Gauss-Hermite with rule r (log weights lw), d <= 3. */
int fm_post_gh_rule(double *Q, fm_snis *acc, const fm_gmm *g, const fm_sched_val *v,
                    const double *x, fm_post_fn f, const fm_quad_rule *r, const double *lw,
                    fm_post_scratch *s);
/* Posterior-centred rule: 1 node (wide = 0) or 2d + 1 nodes (wide = 1). */
int fm_post_prule(double *Q, fm_snis *acc, const fm_gmm *g, const fm_gmm *post,
                  const fm_sched_val *v, const double *x, fm_post_fn f, int wide,
                  fm_post_scratch *s);
/* 1 when the GH rule with base n resolves every component at this point. */
int fm_post_gh_resolved(const fm_gmm *g, const fm_gmm *post, const fm_sched_val *v, size_t n,
                        double *tmp);

/* --- post_routes.c --- */
/* The candidate at point i into y (d), with true schedule values v and the
 * candidate's vc; *scale, *cond as fm_post_spec.cand, *logp = log p_t(x). */
int fm_post_candidate(double *y, double *scale, double *cond, double *logp, fm_post_work *w,
                      size_t i, const fm_sched_val *v, const fm_sched_val *vc);

/* --- post_scan.c --- */
/* The smallest-perturbation scan of the true statement into v (see
 * fm_post_check_run); rep: the finished run's summary. */
int fm_post_scan(fm_verdict *v, const fm_post_report *rep, fm_post_work *w);

/* --- post_report.c --- */
/* The quadrature statistic max |Q - factor cand| / tol over the decided
 * points, cand of length n d; *worst (may be NULL) its point. */
double fm_post_quad_stat(const fm_post_work *w, const double *cand, double factor,
                         size_t *worst);
/* The z-test of MC route r (0 plain, 1 IS) over its deciding points against
 * factor cand (cand indexed as w->cand, only its first nmc points read);
 * returns the number of deciding points. */
size_t fm_post_mc_ztest(fm_ztest *z, const fm_post_work *w, int r, const double *cand,
                        double factor, size_t *worst);
/* The per-route summary of a finished run. */
void fm_post_summarise(fm_post_report *rep, const fm_post_work *w);
/* Routes and notes of rep into v. */
void fm_post_verdict(fm_verdict *v, const fm_post_report *rep, const fm_post_work *w);

#endif
