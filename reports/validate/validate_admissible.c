/* validate_admissible.c -- item 1 of `validate-schedule`: is the schedule
 * admissible (cases/README.md)?  Theorem `schedule` decides, on every case (the
 * noise-end break is costed against each case's data), with its negative
 * controls; this file turns its failing routes into named reasons and its
 * warnings into warnings, and adds the schedule's ends (validate_ends.c).
 *
 * The wording needs a few facts the verdict does not carry -- the boundary
 * values, where on [0,1] the SNR falls or sigma turns non-positive, which
 * of the claimed derivatives is wrong -- so a light scan of the schedule on
 * the theorem's grid t_i = i/4096 records them (fm_val_scan).  The scan
 * never decides anything: every reason is triggered by a failing route of
 * the theorem, and quotes the theorem's value and tolerance.
 *
 * A VE-like path (alpha = 1 throughout: built-in `ve`, or an expression)
 * starts from N(x1, sigma_0^2 I), not from N(0, I): outside the convention
 * every sampler and the CondOT transform rely on.  Theorem `schedule` only
 * warns for the built-in `ve` (it judges VE against its own prior);
 * adoption as a flow-matching path in this convention is refused with that
 * reason. */
#include "validate.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FM_VAL_GRID 4096

typedef struct {
  fm_sched_val v0, v1;
  int st0, st1;
  double bad_t;        /* first t where evaluation fails (NaN: none) */
  int bad_st;
  size_t nbad, nnonpos;
  double nonpos_t, nonpos_sigma;
  double snr_dec, snr_t;       /* worst relative SNR decrease and where */
  int has_claim;
  double claim_a, claim_a_t;   /* max |claimed - symbolic| / (|a'| + |s'|) */
  double claim_s, claim_s_t;
  int ve_like;
} fm_val_scan;

static void fm_val_scan_claim(fm_val_scan *sc, const fm_schedule *s, double t,
                              const fm_sched_val *v)
{
  double da, ds;
  if (fm_schedule_claimed_deriv(&da, &ds, s, t) != FM_OK)
    return;
  double scale = fmax(fabs(v->dalpha) + fabs(v->dsigma), 1e-300);
  double ea = fabs(da - v->dalpha) / scale, es = fabs(ds - v->dsigma) / scale;
  if (!(ea <= sc->claim_a)) {
    sc->claim_a = isnan(ea) ? INFINITY : ea;
    sc->claim_a_t = t;
  }
  if (!(es <= sc->claim_s)) {
    sc->claim_s = isnan(es) ? INFINITY : es;
    sc->claim_s_t = t;
  }
}

static void fm_val_scan_run(fm_val_scan *sc, const fm_schedule *s)
{
  memset(sc, 0, sizeof *sc);
  sc->bad_t = sc->nonpos_t = sc->snr_t = NAN;
  sc->snr_dec = -INFINITY;
  sc->st0 = fm_schedule_eval(&sc->v0, s, 0.0);
  sc->st1 = fm_schedule_eval(&sc->v1, s, 1.0);
  double da, ds;
  sc->has_claim = fm_schedule_claimed_deriv(&da, &ds, s, 0.5) == FM_OK;
  double snr_prev = NAN, amax = 0.0;
  int alpha_one = 1;
  for (int i = 0; i <= FM_VAL_GRID; i++) {
    double t = (double)i / FM_VAL_GRID;
    fm_sched_val v;
    int st = fm_schedule_eval(&v, s, t);
    if ((st != FM_OK && st != FM_ESING) || (st == FM_ESING && i > 0 && i < FM_VAL_GRID)) {
      if (sc->nbad++ == 0) {
        sc->bad_t = t;
        sc->bad_st = st;
      }
      if (st != FM_ESING)
        continue;
    }
    alpha_one = alpha_one && v.alpha == 1.0;
    if (isfinite(v.dalpha))
      amax = fmax(amax, fabs(v.dalpha));
    if (i < FM_VAL_GRID && !(v.sigma > 0.0) && sc->nnonpos++ == 0) {
      sc->nonpos_t = t;
      sc->nonpos_sigma = v.sigma;
    }
    double snr = v.sigma != 0.0 ? v.alpha / v.sigma : INFINITY;
    if (i > 0 && isfinite(snr) && isfinite(snr_prev)) {
      double den = fmax(fabs(snr), fabs(snr_prev));
      double dec = den > 0.0 ? (snr_prev - snr) / den : 0.0;
      if (dec > sc->snr_dec) {
        sc->snr_dec = dec;
        sc->snr_t = t;
      }
    }
    snr_prev = snr;
    if (sc->has_claim && st == FM_OK)
      fm_val_scan_claim(sc, s, t, &v);
  }
  sc->ve_like = strcmp(fm_schedule_type_name(s), "ve") == 0 || (alpha_one && amax == 0.0);
}

/* --- reasons from the failing routes of one case's verdict --- */

typedef struct {
  fm_val_result *res;
  const fm_case *c;
  const fm_val_scan *sc;
  const fm_verdict *v;
} fm_val_ctx;

/* The KL cost of the noise-end break (the larger upper bound, nats), as
 * the schedule theorem reports it for information; 0 when not costed. */
static int fm_val_kl_cost(double *cost, const fm_val_ctx *x)
{
  const fm_fact *pq = fm_verdict_fact_get(x->v, FM_F_KL0_UPPER_PQ, NULL);
  const fm_fact *qp = fm_verdict_fact_get(x->v, FM_F_KL0_UPPER_QP, NULL);
  if (pq == NULL || qp == NULL)
    return 0;
  *cost = fmax(pq->value, qp->value);
  return 1;
}

static void fm_val_reason_noise(const fm_val_ctx *x, const fm_route *r)
{
  const fm_val_scan *sc = x->sc;
  double a0 = sc->v0.alpha, s0 = sc->v0.sigma, m = fm_route_margin(r), kl;
  char cost[128] = "";
  if (fm_val_kl_cost(&kl, x))
    snprintf(cost, sizeof cost, "costs KL <= %.2g nats", kl);
  if (sc->ve_like) {
    fm_val_note_add(x->res, 1, 1, "noise-end", m, x->c->name,
                    "schedule: variance-exploding path (alpha = 1 throughout): its noise end "
                    "N(x1, sigma_0^2 I) is not N(0, I) -- the noise-end break alpha_0 = %.3g, "
                    "sigma_0 = %.3g %s", a0, s0, cost);
  } else {
    fm_val_note_add(x->res, 1, 1, "noise-end", m, x->c->name,
                    "schedule: noise-end break alpha_0 = %.3g, sigma_0 - 1 = %.2g beyond the "
                    "thresholds |alpha_0| <= 1e-2, |sigma_0 - 1| <= 1e-3 (%s)", a0, s0 - 1.0,
                    cost[0] ? cost : "not costed");
  }
}

static const char *fm_val_deriv_kind(const fm_schedule *s)
{
  const char *t = fm_schedule_type_name(s);
  if (strcmp(t, "expr") == 0)
    return "symbolic";
  if (strcmp(t, "table") == 0)
    return "spline";
  return "closed-form";
}

/* "near t = ..." from the verdict's worst point when route r decided it. */
static void fm_val_near(char *buf, size_t n, const fm_val_ctx *x, const fm_route *r)
{
  const char *w = x->v->worst;
  buf[0] = '\0';
  if (fm_verdict_decider(x->v) == r && strncmp(w, "t=", 2) == 0)
    snprintf(buf, n, " near t = %.6g", strtod(w + 2, NULL));
}

static void fm_val_reason_deriv(const fm_val_ctx *x, const fm_route *r, int claimed)
{
  char near[64];
  const fm_val_scan *sc = x->sc;
  fm_val_near(near, sizeof near, x, r);
  double m = fm_route_margin(r);
  if (!claimed) {
    fm_val_note_add(x->res, 1, 1, "fd", m, x->c->name,
                    "schedule: %s derivatives inconsistent with the values%s (vs Richardson "
                    "differences: %.2g > tol %.2g, margin %.2g) -- not differentiable there, "
                    "or a wrong derivative", fm_val_deriv_kind(x->c->sched), near, r->value,
                    r->tol, m);
    return;
  }
  int a = sc->claim_a > 0.0 && sc->claim_a >= 1e-3 * sc->claim_s;
  int s = sc->claim_s > 0.0 && sc->claim_s >= 1e-3 * sc->claim_a;
  const char *which = a && s ? "alpha' and sigma'" : (s ? "sigma'" : "alpha'");
  double d = s && !a ? sc->claim_s : sc->claim_a;
  double dt = s && !a ? sc->claim_s_t : sc->claim_a_t;
  fm_val_note_add(x->res, 1, 1, "claimed", m, x->c->name,
                  "schedule: claimed %s differs from the symbolic derivative (margin %.2g "
                  "against finite differences; max |claimed - symbolic| = %.2g of |alpha'| + "
                  "|sigma'| at t = %.4g)", which, m, d, dt);
}

static void fm_val_reason_route(const fm_val_ctx *x, const fm_route *r)
{
  const fm_val_scan *sc = x->sc;
  double m = fm_route_margin(r);
  const char *n = r->label, *cn = x->c->name;
  fm_val_result *res = x->res;
  switch (r->id) {
  case FM_R_SC_ALPHA0:
  case FM_R_SC_SIGMA0:
    fm_val_reason_noise(x, r);
    break;
  case FM_R_SC_ALPHA1:
    fm_val_note_add(res, 1, 1, "data-end", m, cn,
                    "schedule: data-end break alpha_1 = %.6g (|alpha_1 - 1| = %.2g > %.0e): "
                    "the path does not end at the data", sc->v1.alpha, r->value, r->tol);
    break;
  case FM_R_SC_SIGMA1:
    fm_val_note_add(res, 1, 1, "sigma-min", m, cn,
                    "schedule: sigma_1 = sigma_min = %.3g > %.2g: the path ends at the data "
                    "smoothed by N(0, %.3g^2 I)", r->value, r->tol, r->value);
    break;
  case FM_R_SC_POS:
    fm_val_note_add(res, 1, 1, "positivity", m, cn,
                    "schedule: sigma <= 0 inside [0,1): %.0f of %d grid points, first at "
                    "t = %.4g (sigma = %.3g)", r->value, FM_VAL_GRID, sc->nonpos_t,
                    sc->nonpos_sigma);
    break;
  case FM_R_SC_EVAL:
    fm_val_note_add(res, 1, 1, "evaluable", m, cn,
                    "schedule: not evaluable or not differentiable at %.0f interior grid "
                    "points, first at t = %.6g (%s)", r->value, sc->bad_t,
                    fm_strerror(sc->bad_st));
    break;
  case FM_R_SC_SNR:
  case FM_R_SC_SNR_MP:
    fm_val_note_add(res, 1, 1, "snr", m, cn,
                    "schedule: SNR alpha/sigma not increasing near t = %.4g (relative "
                    "decrease %.2g per grid step > tol %.2g)", sc->snr_t, r->value, r->tol);
    break;
  case FM_R_SC_MP:
    fm_val_note_add(res, 1, 1, "twin", m, cn,
                    "schedule: double evaluation differs from its MPFR twin (%.2g > tol %.2g)",
                    r->value, r->tol);
    break;
  case FM_R_SC_FD:
    fm_val_reason_deriv(x, r, 0);
    break;
  case FM_R_SC_CLAIM:
    fm_val_reason_deriv(x, r, 1);
    break;
  case FM_R_SC_UF:
  case FM_R_SC_UF_PATH: {
    const fm_route *f = fm_verdict_route_get(x->v, FM_R_SC_UF, NULL);
    const fm_route *p = fm_verdict_route_get(x->v, FM_R_SC_UF_PATH, NULL);
    fm_val_note_add(res, 1, 1, "cond-field", m, cn,
                    "cond-field: user cond_field does not generate the path (vs d/dt psi_t: "
                    "margin %.2g; vs (sigma'/sigma)(x - alpha x1) + alpha' x1: margin %.2g)",
                    p ? fm_route_margin(p) : NAN, f ? fm_route_margin(f) : NAN);
    break;
  }
  default: {
    char key[96];
    snprintf(key, sizeof key, "schedule:%.80s", n);
    fm_val_note_add(res, 1, 1, key, m, cn, "schedule: %s = %.3g > tol %.3g", n, r->value,
                    r->tol);
  }
  }
}

/* Warnings of a passing verdict: a noise-end break within the thresholds
 * (VP), with its KL cost for information; a data-end break within 1e-9. */
static void fm_val_warnings(const fm_val_ctx *x)
{
  const fm_val_scan *sc = x->sc;
  const fm_route *a0 = fm_verdict_route_get(x->v, FM_R_SC_ALPHA0, NULL);
  double kl;
  if (a0 != NULL && fm_val_kl_cost(&kl, x))
    fm_val_note_add(x->res, 0, 1, "noise-end", fm_route_margin(a0), x->c->name,
                    "schedule: noise-end break alpha_0 = %.3g, sigma_0 - 1 = %.2g within the "
                    "thresholds |alpha_0| <= 1e-2, |sigma_0 - 1| <= 1e-3 (costs KL <= %.2g "
                    "nats): accepted with a warning", sc->v0.alpha, sc->v0.sigma - 1.0, kl);
  if (sc->v1.alpha != 1.0 && fabs(sc->v1.alpha - 1.0) <= 1e-9)
    fm_val_note_add(x->res, 0, 1, "data-end", 0.0, x->c->name,
                    "schedule: data-end break alpha_1 - 1 = %.2g (within 1e-9)",
                    sc->v1.alpha - 1.0);
}

static void fm_val_case_notes(fm_val_result *res, const fm_check_row *row, const fm_case *c,
                              const fm_val_scan *sc)
{
  const fm_verdict *v = &row->truth;
  fm_val_ctx x = {res, c, sc, v};
  if (v->status != FM_OK)
    fm_val_note_add(res, 1, 1, "schedule-error", INFINITY, c->name,
                    "schedule: the check could not run (check could not run: %s)",
                    fm_strerror(v->status));
  for (size_t i = 0; i < v->nroutes; i++)
    if (fm_route_fails(&v->routes[i]))
      fm_val_reason_route(&x, &v->routes[i]);
  if (sc->ve_like && v->outcome != FM_OUTCOME_FAIL)
    fm_val_note_add(res, 1, 1, "noise-end", INFINITY, c->name,
                    "schedule: variance-exploding path (alpha = 1 throughout): outside the "
                    "convention -- its noise end is N(x1, sigma_0^2 I) with sigma_0 = %.3g, "
                    "not N(0, I)", sc->v0.sigma);
  if (v->outcome == FM_OUTCOME_WARN || v->outcome == FM_OUTCOME_PASS)
    fm_val_warnings(&x);
  for (size_t m = 0; m < row->nctl; m++) {
    const fm_verdict *k = &row->ctl[m];
    if (fm_check_control_rejected(k) || k->outcome == FM_OUTCOME_NA ||
        k->outcome == FM_OUTCOME_UNDECIDED)
      continue;
    char key[128];
    snprintf(key, sizeof key, "schedule-control:%.100s", k->mutant);
    fm_val_note_add(res, 1, 1, key, INFINITY, c->name,
                    "schedule: negative control '%s' not rejected (margin %.2g): the check "
                    "cannot judge this schedule", k->mutant, k->margin);
  }
}

/* One table line per route (by key): the worst case's value and tolerance.
 * The rows are the item's last n rows, one per case. */
static void fm_val_route_lines(fm_val_item *it, fm_case **cases, size_t n)
{
  const fm_check_row *rows = &it->rows[it->nrows - n];
  for (size_t i = 0; i < rows[0].truth.nroutes; i++) {
    const fm_route *first = &rows[0].truth.routes[i], *best = first;
    size_t bc = 0;
    double bm = -INFINITY;
    int fails = 0;
    for (size_t c = 0; c < n; c++)
      for (size_t j = 0; j < rows[c].truth.nroutes; j++) {
        const fm_route *r = &rows[c].truth.routes[j];
        if (strcmp(r->key, first->key) != 0)
          continue;
        double m = fm_route_margin(r);
        fails |= fm_route_fails(r);
        if (m > bm) {
          bm = m;
          best = r;
          bc = c;
        }
      }
    fm_val_item_line(it, first->label, cases[bc]->name, best->value, best->tol,
                     fails ? FM_OUTCOME_FAIL : FM_OUTCOME_PASS);
  }
}

static void fm_val_controls_line(fm_val_item *it)
{
  size_t rej = 0, app = 0;
  for (size_t i = 0; i < it->nrows; i++) {
    rej += it->rows[i].rejected;
    app += it->rows[i].applicable;
  }
  fm_val_line *l = fm_val_item_line(it, "negative controls rejected", "all cases", NAN, NAN,
                                    rej == app ? FM_OUTCOME_PASS : FM_OUTCOME_FAIL);
  if (l != NULL)
    snprintf(l->detail, sizeof l->detail, "%zu/%zu", rej, app);
}

static void fm_val_claim_line(fm_val_item *it, const fm_val_scan *sc)
{
  if (!sc->has_claim)
    return;
  fm_val_line *l = fm_val_item_line(it, "claimed vs symbolic derivatives (max rel. diff.)",
                                    "", fmax(sc->claim_a, sc->claim_s), NAN, FM_OUTCOME_NA);
  if (l != NULL && sc->claim_a == 0.0 && sc->claim_s == 0.0)
    snprintf(l->detail, sizeof l->detail, "identical at every grid point");
  else if (l != NULL)
    snprintf(l->detail, sizeof l->detail, "alpha': %.2g at t = %.4g; sigma': %.2g at t = %.4g",
             sc->claim_a, sc->claim_a_t, sc->claim_s, sc->claim_s_t);
}

int fm_val_item_admissible(fm_val_result *res, fm_case **cases, size_t n,
                           const fm_val_opts *o)
{
  fm_val_item *it = &res->item[0];
  const fm_theorem *thm = fm_theorem_find("schedule");
  if (thm == NULL || n == 0)
    return FM_EINVAL;
  fm_val_scan sc;
  fm_val_scan_run(&sc, cases[0]->sched);
  int st = FM_OK;
  size_t nreasons0 = res->nreasons, nwarn0 = res->nwarnings;
  for (size_t c = 0; c < n && st == FM_OK; c++) {
    if (o->progress != NULL)
      o->progress("schedule", c, n, o->progress_ctx);
    st = fm_val_item_row(it, thm, cases[c], &o->check);
    if (st != FM_OK)
      break;
    const fm_check_row *row = &it->rows[it->nrows - 1];
    fm_val_case_notes(res, row, cases[c], &sc);
  }
  if (st == FM_OK) {
    fm_val_route_lines(it, cases, n);
    fm_val_controls_line(it);
    fm_val_claim_line(it, &sc);
    st = fm_val_ends(it, cases[0]->sched);
  }
  it->outcome = res->nreasons > nreasons0 ? FM_OUTCOME_FAIL
                : res->nwarnings > nwarn0 ? FM_OUTCOME_WARN : FM_OUTCOME_PASS;
  for (size_t i = 0; i < it->nrows; i++)
    if (!it->rows[i].ok && it->outcome != FM_OUTCOME_FAIL)
      it->outcome = FM_OUTCOME_FAIL; /* a failed row always carries a reason; belt and braces */
  return st;
}
