/* test_cli_input_limits.c -- inputs that used to crash, hang or exhaust the
 * machine are refused at once with exit 2 and a message saying which limit
 * (numerics/fm_limits.h, numerics/fileio.h):
 *  - an expr alpha of 105,000 terms (stack overflow in libmatheval's
 *    node_derivative, exit 139, before the token cap) and a cond_field of
 *    10^6 terms (node_simplify inside evaluator_create);
 *  - a FIFO as a case or model path (open() blocked forever) and /dev/zero
 *    as a case (read until memory ran out);
 *  - a sparse 3 GiB case file (read whole before being refused);
 *  - a 3 GiB model file with a wrong magic: refused from its first bytes,
 *    so the child's peak memory stays far below the file's size.
 * The inputs are generated here in a temporary directory.  Every run has a
 * deadline; a child that outlives it is killed and the test fails, so a
 * regression to blocking cannot hang the suite.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fm_limits.h"

extern char **environ;

/* Every refusal here is immediate; 20 s leaves room for a loaded machine or
 * valgrind, and is still far from "forever". */
#define FM_TEST_DEADLINE_S 20.0

typedef struct {
  char dir[64];
  char out[128], err[128];
} fm_test_dir;

static void fm_test_dir_make(fm_test_dir *d)
{
  snprintf(d->dir, sizeof d->dir, "/tmp/fmcheck-limits-XXXXXX");
  cr_assert_not_null(mkdtemp(d->dir));
  snprintf(d->out, sizeof d->out, "%s/stdout", d->dir);
  snprintf(d->err, sizeof d->err, "%s/stderr", d->dir);
}

/* Remove the directory with its stdout, stderr and the named files (the
 * 3 GiB files are sparse, but they should not outlive the test). */
static void fm_test_dir_remove(const fm_test_dir *d, const char *const *names)
{
  char p[192];
  unlink(d->out);
  unlink(d->err);
  for (size_t i = 0; names[i] != NULL; i++) {
    snprintf(p, sizeof p, "%s/%s", d->dir, names[i]);
    unlink(p);
  }
  cr_expect_eq(rmdir(d->dir), 0, "%s: %s", d->dir, strerror(errno));
}

static void fm_test_path(char *out, size_t n, const fm_test_dir *d, const char *name)
{
  snprintf(out, n, "%s/%s", d->dir, name);
}

static double fm_test_now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Run $FMCHECK args... with stdout/stderr to files; kill it at the
 * deadline.  Returns the exit status (128 + signal if killed by one), and
 * stderr's first bytes in err. */
static int fm_test_run(const fm_test_dir *d, char *err, size_t errcap, const char *const *args)
{
  const char *exe = getenv("FMCHECK");
  cr_assert(exe != NULL && exe[0] != '\0', "FMCHECK is not set (run through meson test)");
  const char *argv[16] = {exe};
  size_t n = 1;
  for (; args[n - 1] != NULL && n < 15; n++)
    argv[n] = args[n - 1];
  argv[n] = NULL;
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, d->out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&fa, 2, d->err, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  pid_t pid;
  int rc = posix_spawn(&pid, exe, &fa, NULL, (char *const *)argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  cr_assert_eq(rc, 0, "cannot spawn %s: %s", exe, strerror(rc));
  double t0 = fm_test_now();
  int ws = 0, done = 0;
  while (!done && fm_test_now() - t0 < FM_TEST_DEADLINE_S) {
    pid_t w = waitpid(pid, &ws, WNOHANG);
    cr_assert_neq(w, -1, "waitpid: %s", strerror(errno));
    if (w == pid)
      done = 1;
    else
      nanosleep(&(struct timespec){0, 10000000}, NULL);
  }
  if (!done) {
    kill(pid, SIGKILL);
    waitpid(pid, &ws, 0);
    cr_assert_fail("%s %s %s: still running after %.0f s (blocked?)", exe, args[0],
                   args[1] ? args[1] : "", FM_TEST_DEADLINE_S);
  }
  FILE *f = fopen(d->err, "rb");
  size_t k = f != NULL ? fread(err, 1, errcap - 1, f) : 0;
  err[k] = '\0';
  if (f != NULL)
    fclose(f);
  return WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
}

/* The run exits 2 with a message naming `path` and containing each of the
 * NULL-terminated `words`. */
static void fm_test_refused(const fm_test_dir *d, const char *path, const char *const *args,
                            const char *const *words)
{
  char err[4096];
  int status = fm_test_run(d, err, sizeof err, args);
  cr_expect_eq(status, 2, "%s: exit %d, expected 2; stderr: %s", path, status, err);
  cr_expect(strncmp(err, "fmcheck: ", 9) == 0, "stderr: %s", err);
  cr_expect(strstr(err, path) != NULL, "the path %s is not named: %s", path, err);
  for (size_t i = 0; words[i] != NULL; i++)
    cr_expect(strstr(err, words[i]) != NULL, "'%s' missing: %s", words[i], err);
}

/* A one-dimensional Gaussian case with an expr schedule (alpha = t,
 * sigma = 1 - t) whose `key` is instead a chain of `terms` copies of `term`
 * joined by '+'. */
static void fm_test_expr_case(const char *path, const char *key, const char *term,
                              size_t terms)
{
  FILE *f = fopen(path, "w");
  cr_assert_not_null(f, "cannot create %s", path);
  fprintf(f, "{\"name\": \"long-expr\", \"seed\": 1,\n"
             " \"data\": {\"type\": \"gmm\", \"dim\": 1, \"components\": "
             "[{\"weight\": 1.0, \"mean\": [0.7], \"var\": 0.09}]},\n"
             " \"schedule\": {\"type\": \"expr\", \"sigma\": \"1 - t\"%s, \"%s\": \"",
          strcmp(key, "alpha") == 0 ? "" : ", \"alpha\": \"t\"", key);
  for (size_t i = 0; i < terms; i++)
    fprintf(f, "%s%s", i ? "+" : "", term);
  fprintf(f, "\"}}\n");
  cr_assert_eq(fclose(f), 0);
}

/* `check` on a case file whose schedule.<key> is `terms` copies of term
 * joined by '+': refused, the message naming schedule.<key> and the cap. */
static void fm_test_token_cap_refuses(const char *file, const char *key, const char *term,
                                      size_t terms)
{
  fm_test_dir d;
  fm_test_dir_make(&d);
  char path[128], field[64], cap[32];
  fm_test_path(path, sizeof path, &d, file);
  fm_test_expr_case(path, key, term, terms);
  snprintf(field, sizeof field, "schedule.%s", key);
  snprintf(cap, sizeof cap, "%d tokens", FM_LIMIT_EXPR_TOKENS);
  const char *args[] = {"check", "--case", path, "--theorem", "schedule", NULL};
  const char *words[] = {field, cap, NULL};
  fm_test_refused(&d, path, args, words);
  fm_test_dir_remove(&d, (const char *const[]){file, NULL});
}

Test(cli_input_limits, a_105000_term_alpha_is_refused_by_the_token_cap)
{
  fm_test_token_cap_refuses("chain.json", "alpha", "t", 105000);
}

Test(cli_input_limits, a_million_term_cond_field_is_refused_by_the_token_cap)
{
  fm_test_token_cap_refuses("cond.json", "cond_field", "x", 1000000);
}

/* At the cap is accepted: the cap is where it says it is.  `fmcheck field`
 * loads the case and evaluates the marginal field at one point (cheap; the
 * cond_field is parsed but not differentiated). */
Test(cli_input_limits, an_expression_at_the_token_cap_is_accepted)
{
  fm_test_dir d;
  fm_test_dir_make(&d);
  char path[128], points[128], err[4096];
  fm_test_path(path, sizeof path, &d, "at-cap.json");
  fm_test_path(points, sizeof points, &d, "points.csv");
  /* n terms "0*x" joined by '+' are 4n - 1 tokens */
  fm_test_expr_case(path, "cond_field", "0*x", (FM_LIMIT_EXPR_TOKENS + 1) / 4);
  FILE *f = fopen(points, "w");
  cr_assert_not_null(f);
  fputs("t,x\n0.5,0.25\n", f);
  cr_assert_eq(fclose(f), 0);
  const char *args[] = {"field", "--case", path, "--points", points, NULL};
  int status = fm_test_run(&d, err, sizeof err, args);
  cr_expect_eq(status, 0, "exit %d; stderr: %s", status, err);
  fm_test_expr_case(path, "cond_field", "0*x", (FM_LIMIT_EXPR_TOKENS + 1) / 4 + 1);
  status = fm_test_run(&d, err, sizeof err, args);
  cr_expect_eq(status, 2, "one term over the cap: exit %d; stderr: %s", status, err);
  fm_test_dir_remove(&d, (const char *const[]){"at-cap.json", "points.csv", NULL});
}

Test(cli_input_limits, a_fifo_as_case_or_model_is_refused_without_blocking)
{
  fm_test_dir d;
  fm_test_dir_make(&d);
  char fifo[128];
  fm_test_path(fifo, sizeof fifo, &d, "fifo");
  cr_assert_eq(mkfifo(fifo, 0600), 0, "mkfifo: %s", strerror(errno));
  const char *words[] = {"not a regular file", NULL};
  const char *check[] = {"check", "--case", fifo, NULL};
  fm_test_refused(&d, fifo, check, words);
  const char *sample[] = {"sample", "--model", fifo, "--n", "4", NULL};
  fm_test_refused(&d, fifo, sample, words);
  const char *validate[] = {"validate-schedule", "--schedule", fifo, "--quick", NULL};
  fm_test_refused(&d, fifo, validate, words);
  const char *zero[] = {"check", "--case", "/dev/zero", NULL};
  fm_test_refused(&d, "/dev/zero", zero, words);
  fm_test_dir_remove(&d, (const char *const[]){"fifo", NULL});
}

/* A sparse file of size bytes at path: n bytes of head, then zeros that
 * take no disk. */
static void fm_test_sparse_file(const char *path, const char *head, size_t n, off_t size)
{
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  cr_assert_geq(fd, 0, "open %s: %s", path, strerror(errno));
  cr_assert_eq(write(fd, head, n), (ssize_t)n);
  cr_assert_eq(ftruncate(fd, size), 0, "ftruncate: %s", strerror(errno));
  close(fd);
}

Test(cli_input_limits, a_sparse_3_gib_case_is_refused_by_size_at_once)
{
  fm_test_dir d;
  fm_test_dir_make(&d);
  char path[128];
  fm_test_path(path, sizeof path, &d, "huge.json");
  fm_test_sparse_file(path, "", 0, (off_t)3 << 30);
  const char *args[] = {"check", "--case", path, NULL};
  const char *words[] = {"3221225472 bytes", "limit for a case file", NULL};
  fm_test_refused(&d, path, args, words);
  fm_test_dir_remove(&d, (const char *const[]){"huge.json", NULL});
}

/* The magic is checked from the first 20 bytes: the 3 GiB behind them are
 * neither allocated nor read, so the child's peak RSS stays small. */
Test(cli_input_limits, a_model_with_a_wrong_magic_is_refused_before_the_rest_is_read)
{
  fm_test_dir d;
  fm_test_dir_make(&d);
  char path[128];
  fm_test_path(path, sizeof path, &d, "foreign.fmm");
  fm_test_sparse_file(path, "NOTMODEL", 8, (off_t)3 << 30);
  const char *args[] = {"sample", "--model", path, "--n", "4", NULL};
  const char *words[] = {"not an fmcheck model file", NULL};
  fm_test_refused(&d, path, args, words);
  struct rusage ru;
  cr_assert_eq(getrusage(RUSAGE_CHILDREN, &ru), 0);
  cr_expect_lt(ru.ru_maxrss, 256L * 1024, "peak RSS %ld KiB: the file was read", ru.ru_maxrss);
  fm_test_dir_remove(&d, (const char *const[]){"foreign.fmm", NULL});
}

/* Found by hand with tests/fuzz/gen_pathological.py: t*t*...*t of 512
 * factors (1023 tokens, under the cap) made `check --theorem schedule`
 * run for minutes (its symbolic derivative has 525,000 characters and is
 * walked at every evaluation; 64 factors already took 10 s).  Refused now
 * by the derivative limit, at once, naming the field and the limit. */
Test(cli_input_limits, a_long_product_chain_is_refused_by_the_derivative_limit)
{
  static const size_t factors[] = {64, 512};
  for (size_t k = 0; k < 2; k++) {
    fm_test_dir d;
    fm_test_dir_make(&d);
    char path[128], term[2048] = "t", lim[32];
    for (size_t i = 1; i < factors[k]; i++)
      strcat(term, "*t");
    fm_test_path(path, sizeof path, &d, "prod.json");
    fm_test_expr_case(path, "alpha", term, 1);
    snprintf(lim, sizeof lim, "limit of %d", FM_LIMIT_EXPR_DERIV_BYTES);
    const char *args[] = {"check", "--case", path, "--theorem", "schedule", NULL};
    const char *words[] = {"schedule.alpha", "symbolic derivative", lim, NULL};
    fm_test_refused(&d, path, args, words);
    fm_test_dir_remove(&d, (const char *const[]){"prod.json", NULL});
  }
}

/* 64 isotropic components in dimension 1024 (a 1.3 MB file) took 153 s and
 * 2.1 GB in `field` on 3 points; 100,000 components in d = 1 (found with
 * gen_pathological.py) 1.4 s to load, 13 s under ASan, and every
 * evaluation visits each.  Refused before any allocation now. */
Test(cli_input_limits, a_mixture_over_the_size_limits_is_refused_at_once)
{
  static const size_t dk[4][2] = {{1024, 64}, {1024, 5}, {128, 1025}, {1, 5000}};
  static const char *const what[4] = {"storage limit", "work limit", "storage limit",
                                      "over the limit of 4096"};
  for (size_t k = 0; k < 4; k++) {
    fm_test_dir d;
    fm_test_dir_make(&d);
    char path[128];
    fm_test_path(path, sizeof path, &d, "big.json");
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fprintf(f, "{\"name\": \"big\", \"data\": {\"type\": \"gmm\", \"dim\": %zu, "
               "\"components\": [", dk[k][0]);
    for (size_t c = 0; c < dk[k][1]; c++) {
      fprintf(f, "%s{\"weight\": 1, \"var\": 0.5, \"mean\": [", c ? "," : "");
      for (size_t i = 0; i < dk[k][0]; i++)
        fprintf(f, "%s%zu", i ? "," : "", (i + c) % 7);
      fprintf(f, "]}");
    }
    fprintf(f, "]}, \"schedule\": {\"type\": \"cond_ot\"}}\n");
    cr_assert_eq(fclose(f), 0);
    const char *args[] = {"check", "--case", path, "--theorem", "schedule", NULL};
    const char *words[] = {"data.components", what[k], NULL};
    fm_test_refused(&d, path, args, words);
    fm_test_dir_remove(&d, (const char *const[]){"big.json", NULL});
  }
}
