/* test_gen_schedules.c -- the random schedule generator of fm_test_gen.h
 * does what it says, checked through the schedule API (not through
 * validate-schedule, which is too slow for the default suite):
 *  - a correct schedule loads, has alpha_0 <= 1e-2, |sigma_0 - 1| <= 1e-3
 *    (VE excepted: its noise end is its own prior), |alpha_1 - 1| <= 1e-9,
 *    sigma_1 in [0, 0.1], sigma > 0 on [0, 1) and a non-decreasing SNR on a
 *    grid (cases/README.md);
 *  - a broken one loads (so that validate-schedule can judge it) and shows
 *    its break, and only its break, at the ends or on the grid.
 * FM_TEST_SEED changes the seed; the number of schedules per kind is
 * NSCHED. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fm_test_gen.h"

#define NSCHED 40
#define NGRID 2000

typedef struct {
  double a0, s0, a1, s1;
  double smin_open;     /* min sigma on the grid of [0, 1) */
  double snr_drop;      /* largest relative decrease of alpha/sigma between grid points */
  int ok;               /* every evaluation succeeded */
} fm_sched_ends;

/* Values at t; an infinite derivative (FM_ESING: VP and linear_vp's sigma'
 * at t = 1, polynomial n < 1 at t = 0) still gives the values. */
static int fm_eval_values(fm_sched_val *v, const fm_schedule *s, double t)
{
  int st = fm_schedule_eval(v, s, t);
  return st == FM_OK || st == FM_ESING;
}

static void fm_ends(fm_sched_ends *r, const fm_schedule *s)
{
  fm_sched_val v;
  r->ok = fm_eval_values(&v, s, 0.0);
  r->a0 = v.alpha, r->s0 = v.sigma;
  r->ok = fm_eval_values(&v, s, 1.0) && r->ok;
  r->a1 = v.alpha, r->s1 = v.sigma;
  r->smin_open = INFINITY;
  r->snr_drop = -INFINITY;
  double prev = NAN;
  for (int i = 0; i < NGRID; i++) {
    double t = (double)i / NGRID;
    if (!fm_eval_values(&v, s, t)) {
      r->ok = 0;
      continue;
    }
    r->smin_open = fmin(r->smin_open, v.sigma);
    if (v.sigma > 0.0) {
      double snr = fm_sched_snr(&v);
      if (isfinite(prev) && prev > 0.0)
        r->snr_drop = fmax(r->snr_drop, (prev - snr) / prev);
      prev = snr;
    }
  }
}

static fm_schedule *fm_load(json_t *obj, const char *dir, const char *desc)
{
  fm_schedule *s = NULL;
  fm_errmsg e = {{0}};
  int st = fm_case_parse_schedule(&s, obj, "generated", "schedule", dir, &e);
  char *txt = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER);
  cr_assert_eq(st, FM_OK, "seed %llu: %s does not load: %s; %s",
               (unsigned long long)fm_gen_seed(), desc, e.msg, txt);
  free(txt);
  return s;
}

static char *fm_tmpdir(void)
{
  static char dir[64];
  snprintf(dir, sizeof dir, "/tmp/fmgens-XXXXXX");
  cr_assert_not_null(mkdtemp(dir));
  return dir;
}

Test(gen_schedules, correct_schedules_load_and_are_admissible)
{
  uint64_t seed = fm_gen_seed();
  char *dir = fm_tmpdir();
  for (size_t i = 0; i < NSCHED; i++) {
    char desc[256];
    json_t *o = fm_gen_sched_make(seed, i, FM_GEN_BREAK_NONE, dir, desc, sizeof desc, NULL);
    cr_assert_not_null(o, "cannot write a table in %s", dir);
    fm_schedule *s = fm_load(o, dir, desc);
    fm_sched_ends r;
    fm_ends(&r, s);
    int ve = strcmp(fm_schedule_type_name(s), "ve") == 0;
    fprintf(stderr, "%-70s a0 %.3g s0-1 %.3g a1-1 %.3g s1 %.3g min sigma %.3g snr drop %.3g\n",
            desc, r.a0, r.s0 - 1.0, r.a1 - 1.0, r.s1, r.smin_open, r.snr_drop);
    cr_expect(r.ok, "seed %llu #%zu %s: an evaluation on [0,1] failed", (unsigned long long)seed,
              i, desc);
    if (!ve)
      cr_expect(fabs(r.a0) <= 1e-2 && fabs(r.s0 - 1.0) <= 1e-3,
                "seed %llu #%zu %s: noise end alpha_0 %.3g sigma_0 %.17g",
                (unsigned long long)seed, i, desc, r.a0, r.s0);
    cr_expect(fabs(r.a1 - 1.0) <= 1e-9 && r.s1 >= 0.0 && r.s1 <= 0.1,
              "seed %llu #%zu %s: data end alpha_1 %.17g sigma_1 %.3g",
              (unsigned long long)seed, i, desc, r.a1, r.s1);
    cr_expect(r.smin_open > 0.0, "seed %llu #%zu %s: sigma %.3g on [0,1)",
              (unsigned long long)seed, i, desc, r.smin_open);
    cr_expect(r.snr_drop <= 0.0, "seed %llu #%zu %s: SNR drops by %.3g (relative)",
              (unsigned long long)seed, i, desc, r.snr_drop);
    fm_schedule_free(s);
    json_decref(o);
  }
  char p[128];
  snprintf(p, sizeof p, "%s/sched.csv", dir);
  unlink(p);
  rmdir(dir);
}

/* The claimed derivative of a DERIV break is the symbolic one times
 * 1 + 1e-3 (the other claim exact), at interior points. */
static void fm_expect_deriv_break(const fm_schedule *s, int which, const char *desc)
{
  for (int i = 1; i < 10; i++) {
    double t = i / 10.0, ca, cs;
    fm_sched_val v;
    cr_assert_eq(fm_schedule_eval(&v, s, t), FM_OK);
    cr_assert_eq(fm_schedule_claimed_deriv(&ca, &cs, s, t), FM_OK, "%s", desc);
    double ra = ca / v.dalpha - 1.0, rs = cs / v.dsigma - 1.0;
    double want_a = which == 0 ? FM_GEN_BREAK_DERIV_REL : 0.0;
    double want_s = which == 1 ? FM_GEN_BREAK_DERIV_REL : 0.0;
    cr_expect(fabs(ra - want_a) <= 1e-12 && fabs(rs - want_s) <= 1e-12,
              "%s at t=%g: claimed/symbolic - 1 = %.3g (alpha), %.3g (sigma)", desc, t, ra, rs);
  }
}

Test(gen_schedules, broken_schedules_load_and_show_their_break)
{
  uint64_t seed = fm_gen_seed();
  for (size_t i = 0; i < NSCHED; i++)
    for (int b = 1; b < FM_GEN_BREAK_COUNT; b++) {
      char desc[512];
      int which = -1;
      json_t *o = fm_gen_sched_make(seed, i, (fm_gen_break)b, NULL, desc, sizeof desc, &which);
      fm_schedule *s = fm_load(o, NULL, desc);
      fm_sched_ends r;
      fm_ends(&r, s);
      if (i == 0)
        fprintf(stderr, "%s\n", desc);
      cr_expect(r.ok, "seed %llu #%zu %s: an evaluation failed", (unsigned long long)seed, i,
                desc);
      /* the break itself */
      double want_a0 = b == FM_GEN_BREAK_ALPHA0 ? FM_GEN_BREAK_ALPHA0_VALUE : 0.0;
      double want_a1 = b == FM_GEN_BREAK_ALPHA1 ? FM_GEN_BREAK_ALPHA1_VALUE : 1.0;
      cr_expect(fabs(r.a0 - want_a0) <= 1e-12, "%s: alpha_0 %.17g", desc, r.a0);
      cr_expect(fabs(r.a1 - want_a1) <= 1e-12, "%s: alpha_1 %.17g", desc, r.a1);
      cr_expect(fabs(r.s0 - 1.0) <= 1e-12, "%s: sigma_0 %.17g", desc, r.s0);
      if (b == FM_GEN_BREAK_SIGMA1)
        cr_expect(fabs(r.s1 - FM_GEN_BREAK_SIGMA1_VALUE) <= 1e-12, "%s: sigma_1 %.17g", desc,
                  r.s1);
      else
        cr_expect(r.s1 >= 0.0 && r.s1 <= 0.05 + 1e-12, "%s: sigma_1 %.3g", desc, r.s1);
      if (b == FM_GEN_BREAK_SIGMA_NONPOS)
        cr_expect(r.smin_open <= 0.0, "%s: min sigma on [0,1) is %.3g", desc, r.smin_open);
      else
        cr_expect(r.smin_open > 0.0, "%s: min sigma on [0,1) is %.3g", desc, r.smin_open);
      if (b == FM_GEN_BREAK_SNR)
        cr_expect(r.snr_drop > 1e-3, "%s: SNR drop %.3g", desc, r.snr_drop);
      else if (b != FM_GEN_BREAK_SIGMA_NONPOS)
        cr_expect(r.snr_drop <= 0.0, "%s: SNR drop %.3g", desc, r.snr_drop);
      if (b == FM_GEN_BREAK_DERIV)
        fm_expect_deriv_break(s, which, desc);
      fm_schedule_free(s);
      json_decref(o);
    }
}
