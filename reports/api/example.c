/* example.c -- libfmcheck from a C program: load a built-in case, evaluate
 * the exact field, score a perturbed field, test exact draws, run one
 * theorem and read its routes.  Build against an installed fmcheck with
 *     cc example.c $(pkg-config --cflags --libs fmcheck) -o example
 * Exit status 0 when every step behaves as the library says it should. */
#include <fmcheck.h>

#include <stdio.h>
#include <stdlib.h>

#define N 1000

/* Print err's message and return 1 when status is not FM_OK. */
static int failed(int status, const fmcheck_error *err)
{
  if (status == FM_OK)
    return 0;
  fprintf(stderr, "example: %s (%s)\n", err->message, fmcheck_strerror(status));
  return 1;
}

/* u at N points of p_t, t = 0.7: the points are exact draws themselves. */
static int field_demo(const fmcheck_case *c, size_t d)
{
  fmcheck_error err;
  double t = 0.7, *x = malloc(N * d * sizeof *x), *u = malloc(N * d * sizeof *u);
  int bad = x == NULL || u == NULL;
  bad = bad || failed(fmcheck_case_sample(x, c, N, t, 3, &err), &err);
  bad = bad || failed(fmcheck_case_field(u, NULL, NULL, NULL, c, &t, 1, x, N, &err), &err);
  if (!bad) {
    printf("u(0.7, x_0) = (%.6f, %.6f)\n", u[0], u[1]);
    for (size_t i = 0; i < N * d; i++)
      u[i] *= 1.01; /* a field 1% off must fail at the default 1e-6 */
    fmcheck_field_cmp r;
    bad = failed(fmcheck_compare_field(&r, c, &t, 1, x, u, N, 1e-6, &err), &err);
    char text[512];
    fmcheck_field_cmp_text(text, sizeof text, &r, c);
    printf("%s", text);
    bad = bad || r.passed;
  }
  free(x);
  free(u);
  return bad;
}

/* Exact draws of p_1 must pass the sample tests. */
static int samples_demo(const fmcheck_case *c, size_t d)
{
  fmcheck_error err;
  double *x = malloc(2000 * d * sizeof *x);
  fmcheck_samples_cmp r;
  int bad = x == NULL || failed(fmcheck_case_sample(x, c, 2000, 1.0, 11, &err), &err) ||
            failed(fmcheck_compare_samples(&r, c, x, 2000, 1.0, 1e-3, 1, &err), &err);
  if (!bad) {
    char text[2048];
    fmcheck_samples_cmp_text(text, sizeof text, &r, c);
    printf("%s", text);
    bad = !r.passed;
  }
  free(x);
  return bad;
}

/* Theorem tweedie with its negative controls; its routes by key. */
static int check_demo(const fmcheck_case *c)
{
  fmcheck_error err;
  fmcheck_check *chk;
  const char *ids[] = {"tweedie"};
  if (failed(fmcheck_check_run(&chk, c, ids, 1, NULL, &err), &err))
    return 1;
  fmcheck_verdict v;
  fmcheck_row row;
  fmcheck_check_verdict(&v, chk, 0, 0);
  fmcheck_check_row(&row, chk, 0);
  printf("%s on %s: %s, %zu/%zu controls rejected\n", v.theorem, v.case_name, v.outcome_key,
         row.rejected, row.applicable);
  for (size_t k = 0; k < v.nroutes; k++) {
    fmcheck_route rt;
    fmcheck_check_route(&rt, chk, 0, 0, k);
    printf("  route %-12s %.3g <= %.3g%s\n", rt.key, rt.value, rt.tol,
           rt.decided ? "" : " (not deciding)");
  }
  int bad = !fmcheck_check_passed(chk);
  fmcheck_check_free(chk);
  return bad;
}

int main(void)
{
  fmcheck_error err;
  fmcheck_case *c;
  printf("libfmcheck %s\n", fmcheck_version());
  if (failed(fmcheck_case_load(&c, "ring8-cond_ot", &err), &err))
    return 1;
  size_t d = fmcheck_case_dim(c);
  printf("case %s, dimension %zu, %zu components\n", fmcheck_case_name(c), d,
         fmcheck_case_components(c));
  int bad = field_demo(c, d) | samples_demo(c, d) | check_demo(c);
  fmcheck_case_free(c);
  /* a bad case is an error with a message, not a crash */
  int st = fmcheck_case_load_json(&c, "{\"name\": \"x\", \"data\": 3}", "inline", &err);
  printf("bad case: %s\n", err.message);
  bad |= st == FM_OK;
  return bad;
}
