/* test_assign.c -- the exact linear assignment against brute force over all
 * n! permutations (n <= 8), against the LP-duality certificate for n = 200,
 * and against the closed form of 1D optimal transport (sorted matching). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "assign.h"
#include "rng.h"

#define SEED 20240612u

/* Minimum of sum_i c[i][p[i]] over all permutations (lexicographic
 * next-permutation walk). */
static double fm_brute(const double *c, size_t n)
{
  size_t p[8];
  for (size_t i = 0; i < n; i++)
    p[i] = i;
  double best = HUGE_VAL;
  for (;;) {
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
      s += c[i * n + p[i]];
    if (s < best)
      best = s;
    size_t k = n - 1;
    while (k > 0 && p[k - 1] > p[k])
      k--;
    if (k == 0)
      return best;
    size_t l = n - 1;
    while (p[l] < p[k - 1])
      l--;
    size_t tmp = p[k - 1];
    p[k - 1] = p[l];
    p[l] = tmp;
    for (size_t a = k, b = n - 1; a < b; a++, b--) {
      tmp = p[a];
      p[a] = p[b];
      p[b] = tmp;
    }
  }
}

static void fm_assert_perm(const size_t *col, size_t n)
{
  char seen[256] = {0};
  for (size_t i = 0; i < n; i++) {
    cr_assert_lt(col[i], n);
    cr_assert(!seen[col[i]], "column %zu assigned twice", col[i]);
    seen[col[i]] = 1;
  }
}

/* 12 random n x n cost matrices for every n in 1..8, entries u uniform in
 * [0, 1) (levels 0) or floor(levels u): the solver returns a permutation
 * whose total is within tol of brute force's optimum. */
static void fm_test_matches_brute_force(uint64_t stream, double levels, double tol)
{
  fm_rng r = fm_rng_make(SEED, stream);
  uint64_t k = 0;
  for (size_t n = 1; n <= 8; n++)
    for (int trial = 0; trial < 12; trial++) {
      double c[64], total;
      size_t col[8];
      for (size_t i = 0; i < n * n; i++) {
        double u = fm_rng_uniform(&r, k++);
        c[i] = levels > 0 ? floor(levels * u) : u;
      }
      cr_assert_eq(fm_assign_solve(col, &total, NULL, NULL, c, n, NULL), FM_OK);
      fm_assert_perm(col, n);
      double best = fm_brute(c, n);
      cr_expect_leq(fabs(total - best), tol, "n %zu trial %d: %.17g vs brute force %.17g", n,
                    trial, total, best);
    }
}

/* Real costs: the optimum found equals brute force to 1e-12 (sums of n <= 8
 * numbers in [0, 1), ordered differently at most). */
Test(assign, matches_brute_force_on_random_real_costs)
{
  fm_test_matches_brute_force(1, 0.0, 1e-12);
}

/* Small integer costs: many ties and many optimal permutations; integer
 * sums are exact, so the totals must be equal exactly. */
Test(assign, matches_brute_force_exactly_on_tied_integer_costs)
{
  fm_test_matches_brute_force(2, 4.0, 0.0);
}

/* n = 200: u_i + v_j <= c_ij everywhere, equality on the assignment, so
 * sum u + sum v is a lower bound attained by the assignment (LP duality).
 * Potentials are sums of <= n reduced-cost shifts of O(1) numbers: rounding
 * <= n * 2^-52 * max|c| ~ 1e-13; tolerance 1e-11. */
Test(assign, dual_certificate_proves_optimality_at_n_200)
{
  enum { N = 200 };
  double *c = malloc(N * N * sizeof *c), u[N], v[N], total;
  size_t col[N];
  fm_rng r = fm_rng_make(SEED, 3);
  for (size_t i = 0; i < N * N; i++)
    c[i] = 3.7 * fm_rng_normal(&r, i);
  fm_assign_work *w;
  cr_assert_eq(fm_assign_work_alloc(&w, N), FM_OK);
  cr_assert_eq(fm_assign_solve(col, &total, u, v, c, N, w), FM_OK);
  fm_assert_perm(col, N);
  double minred = HUGE_VAL, dual = 0.0, slack = 0.0;
  for (size_t i = 0; i < N; i++) {
    dual += u[i] + v[i];
    slack = fmax(slack, fabs(c[i * N + col[i]] - u[i] - v[col[i]]));
    for (size_t j = 0; j < N; j++)
      minred = fmin(minred, c[i * N + j] - u[i] - v[j]);
  }
  cr_expect_geq(minred, -1e-11, "dual infeasible: min reduced cost %.3g", minred);
  cr_expect_leq(slack, 1e-11, "complementary slackness violated by %.3g", slack);
  cr_expect_leq(fabs(dual - total), 1e-11 * N, "duality gap %.3g", fabs(dual - total));
  fm_assign_work_free(w);
  free(c);
}

/* qsort has no context argument in C11: the key array is a file static. */
static const double *fm_sort_key;
static int fm_cmp_key(const void *a, const void *b)
{
  double d = fm_sort_key[*(const size_t *)a] - fm_sort_key[*(const size_t *)b];
  return (d > 0) - (d < 0);
}

/* Squared-distance cost on the line: the optimal coupling is monotone (the
 * i-th smallest x0 goes to the i-th smallest x1), the closed form of 1D OT. */
Test(assign, squared_distance_on_a_line_gives_the_sorted_matching)
{
  enum { N = 100 };
  double a[N], b[N], *c = malloc(N * N * sizeof *c);
  size_t col[N], ia[N], ib[N];
  fm_rng r = fm_rng_make(SEED, 4);
  fm_rng_normals(a, N, &r, 0);
  for (size_t i = 0; i < N; i++) {
    b[i] = 2.0 + 0.5 * fm_rng_normal(&r, 1000 + i);
    ia[i] = ib[i] = i;
  }
  for (size_t i = 0; i < N; i++)
    for (size_t j = 0; j < N; j++)
      c[i * N + j] = (a[i] - b[j]) * (a[i] - b[j]);
  cr_assert_eq(fm_assign_solve(col, NULL, NULL, NULL, c, N, NULL), FM_OK);
  fm_sort_key = a;
  qsort(ia, N, sizeof ia[0], fm_cmp_key);
  fm_sort_key = b;
  qsort(ib, N, sizeof ib[0], fm_cmp_key);
  for (size_t k = 0; k < N; k++)
    cr_expect_eq(col[ia[k]], ib[k], "rank %zu: x0[%zu] matched to %zu, sorted order says %zu",
                 k, ia[k], col[ia[k]], ib[k]);
  free(c);
}

Test(assign, rejects_non_finite_costs_and_oversized_problems)
{
  double c[4] = {1.0, NAN, 0.0, 2.0}, total = -1.0;
  size_t col[2];
  cr_assert_eq(fm_assign_solve(col, NULL, NULL, NULL, c, 2, NULL), FM_ENONFIN);
  c[1] = 3.0;
  fm_assign_work *w;
  cr_assert_eq(fm_assign_work_alloc(&w, 1), FM_OK);
  cr_assert_eq(fm_assign_solve(col, NULL, NULL, NULL, c, 2, w), FM_EINVAL);
  cr_assert_eq(fm_assign_solve(col, &total, NULL, NULL, c, 0, w), FM_OK);
  cr_assert_eq(total, 0.0);
  fm_assign_work_free(w);
}
