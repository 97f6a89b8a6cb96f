/* test_cli_bad_input.c -- `fmcheck check --case FILE` on every malformed
 * case file of bad_inputs.h: exit status 2 (README.md: bad input), nothing
 * on stdout, and on stderr one message that names the file and the fault
 * (its JSON path or line:column), prefixed by "fmcheck: ".
 *
 * The binary comes from $FMCHECK (set by tests/meson.build).  It is run
 * with posix_spawn, stdout and stderr redirected to files (no shell, no
 * pipes to drain), so the file names can contain anything.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bad_inputs.h"

extern char **environ;

/* Whole file as a string (at most cap - 1 bytes); "" if unreadable. */
static void fm_slurp(char *buf, size_t cap, const char *path)
{
  FILE *f = fopen(path, "rb");
  size_t n = f != NULL ? fread(buf, 1, cap - 1, f) : 0;
  buf[n] = '\0';
  if (f != NULL)
    fclose(f);
}

/* Run argv with stdout/stderr to the given files; returns the wait status. */
static int fm_run(char *const argv[], const char *out, const char *err)
{
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&fa, 2, err, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  pid_t pid;
  int rc = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  cr_assert_eq(rc, 0, "cannot spawn %s: %s", argv[0], strerror(rc));
  int status;
  cr_assert_eq(waitpid(pid, &status, 0), pid);
  return status;
}

Test(cli_bad_input, every_malformed_case_exits_2_naming_file_and_fault)
{
  const char *exe = getenv("FMCHECK");
  cr_assert(exe != NULL && exe[0] != '\0', "FMCHECK is not set (run through meson test)");
  char dir[] = "/tmp/fmcheck-cli-XXXXXX";
  cr_assert_not_null(mkdtemp(dir));
  char out[300], err[300];
  snprintf(out, sizeof out, "%s/stdout", dir);
  snprintf(err, sizeof err, "%s/stderr", dir);
  cr_assert_geq(FM_BAD_INPUT_COUNT, 35);
  for (size_t i = 0; i < FM_BAD_INPUT_COUNT; i++) {
    const fm_bad_input *b = &fm_bad_inputs[i];
    char path[300], *json = fm_bad_input_text(b);
    snprintf(path, sizeof path, "%s/case-%02zu.json", dir, i);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs(json, f);
    fclose(f);
    char *argv[] = {(char *)exe, "check", "--case", path, NULL};
    int status = fm_run(argv, out, err);
    static char sout[8192], serr[8192];
    fm_slurp(sout, sizeof sout, out);
    fm_slurp(serr, sizeof serr, err);
    cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 2,
              "entry %zu: exit %d (signal %d), expected 2\n  input: %s\n  stderr: %s", i,
              WIFEXITED(status) ? WEXITSTATUS(status) : -1,
              WIFSIGNALED(status) ? WTERMSIG(status) : 0, json, serr);
    cr_expect_str_eq(sout, "", "entry %zu: stdout not empty: %s", i, sout);
    cr_expect(strncmp(serr, "fmcheck: ", 9) == 0, "entry %zu: stderr: %s", i, serr);
    cr_expect(strstr(serr, path) != NULL, "entry %zu: file name missing: %s", i, serr);
    cr_expect(strstr(serr, b->where) != NULL, "entry %zu: '%s' missing: %s", i, b->where, serr);
    cr_expect(b->why == NULL || strstr(serr, b->why) != NULL, "entry %zu: '%s' missing: %s", i,
              b->why, serr);
    remove(path);
    free(json);
  }
  remove(out);
  remove(err);
  rmdir(dir);
}
