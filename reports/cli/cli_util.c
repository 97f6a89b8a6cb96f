/* cli_util.c -- pieces shared by the subcommands: error printing, number
 * parsing, case loading (file path or built-in name), atomic output files. */
#include "cli.h"
#include "cli_signal.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* msg to stderr after prefix, every control byte but a newline (and the
 * C1 controls U+0080..U+009F) shown as \xHH: a message quotes untrusted
 * text (an expression, a JSON key, a file line) and an ESC in it must not
 * reach the terminal. */
static void fm_cli_put_escaped(const char *prefix, const char *msg)
{
  fputs(prefix, stderr);
  for (const unsigned char *p = (const unsigned char *)msg; *p != '\0'; p++) {
    int c1 = p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f;
    if ((*p < 0x20 && *p != '\n') || *p == 0x7f || c1) {
      fprintf(stderr, "\\x%02x", c1 ? p[1] : *p);
      p += c1;
    } else {
      fputc(*p, stderr);
    }
  }
  fputc('\n', stderr);
}

int fm_cli_error(const char *fmt, ...)
{
  char msg[4096];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  fm_cli_put_escaped("fmcheck: ", msg);
  return FM_EXIT_USAGE;
}

void fm_cli_warn(const char *fmt, ...)
{
  char msg[4096];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  fm_cli_put_escaped("fmcheck: warning: ", msg);
}

/* set once the write error has been reported: one message, not one per row */
static int fm_cli_stdout_reported = 0;

static int fm_cli_stdout_report(int err)
{
  if (fm_cli_stdout_reported)
    return FM_EXIT_USAGE;
  fm_cli_stdout_reported = 1;
  /* a write that failed inside an earlier printf left only the error flag;
   * the retry in fflush normally sets errno again, EIO when it does not */
  return fm_cli_error("write error on standard output: %s", strerror(err ? err : EIO));
}

int fm_cli_stdout_flush(void)
{
  errno = 0;
  int bad = fflush(stdout) != 0;
  int err = errno;
  if (!bad && !ferror(stdout) && !fm_cli_stdout_reported)
    return FM_EXIT_OK;
  return fm_cli_stdout_report(err);
}

int fm_cli_stdout_close(void)
{
  int rc = fm_cli_stdout_flush();
  errno = 0;
  if (fclose(stdout) != 0 && rc == FM_EXIT_OK)
    rc = fm_cli_stdout_report(errno);
  return rc;
}

const char *fm_cli_optval(int argc, char **argv, int *i, const char *name, int *missing)
{
  size_t len = strlen(name);
  const char *a = argv[*i];
  if (strncmp(a, name, len) != 0)
    return NULL;
  if (a[len] == '=')
    return a + len + 1;
  if (a[len] != '\0')
    return NULL;
  if (*i + 1 >= argc) {
    *missing = 1;
    fm_cli_error("option %s needs a value", name);
    return NULL;
  }
  return argv[++*i];
}

int fm_cli_parse_u64(unsigned long long *out, const char *s)
{
  char *end;
  if (s == NULL || *s == '\0' || *s == '-')
    return -1;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 10);
  if (errno != 0 || *end != '\0')
    return -1;
  *out = v;
  return 0;
}

int fm_cli_parse_double(double *out, const char *s)
{
  char *end;
  if (s == NULL || *s == '\0')
    return -1;
  errno = 0;
  double v = strtod(s, &end);
  if (errno != 0 || *end != '\0' || !isfinite(v))
    return -1;
  *out = v;
  return 0;
}

/* A --case argument is a file when one exists at that path; otherwise it may
 * name a built-in case, with or without ".json". */
static int fm_cli_case_load_one(fm_case **c, const char *arg)
{
  fm_errmsg e = {""};
  struct stat sb;
  if (stat(arg, &sb) == 0 || strchr(arg, '/') != NULL) {
    if (fm_case_load_file(c, arg, &e) != FM_OK)
      return fm_cli_error("%s", e.msg);
    return FM_EXIT_OK;
  }
  size_t len = strlen(arg);
  for (size_t i = 0; i < fm_case_builtin_count(); i++) {
    const char *f = fm_case_builtin_file(i);
    if (strcmp(f, arg) == 0 || (strncmp(f, arg, len) == 0 && strcmp(f + len, ".json") == 0)) {
      if (fm_case_builtin_load(c, i, &e) != FM_OK)
        return fm_cli_error("built-in case %s: %s", f, e.msg);
      return FM_EXIT_OK;
    }
  }
  return fm_cli_error("%s: no such file, and no built-in case of that name "
                      "(see 'fmcheck check --list')", arg);
}

int fm_cli_cases_load(fm_case ***cases, size_t *n, char **files, size_t nfiles)
{
  size_t count = nfiles > 0 ? nfiles : fm_case_builtin_count();
  fm_case **cs = calloc(count ? count : 1, sizeof *cs);
  if (cs == NULL)
    return fm_cli_error("out of memory");
  for (size_t i = 0; i < count; i++) {
    int rc;
    if (nfiles > 0) {
      rc = fm_cli_case_load_one(&cs[i], files[i]);
    } else {
      fm_errmsg e = {""};
      rc = fm_case_builtin_load(&cs[i], i, &e) == FM_OK
               ? FM_EXIT_OK
               : fm_cli_error("built-in case %s: %s", fm_case_builtin_file(i), e.msg);
    }
    if (rc != FM_EXIT_OK) {
      fm_cli_cases_free(cs, i);
      return rc;
    }
    if (cs[i]->warning[0] != '\0') /* it names the file already */
      fm_cli_warn("%s", cs[i]->warning);
  }
  *cases = cs;
  *n = count;
  return FM_EXIT_OK;
}

void fm_cli_cases_free(fm_case **cases, size_t n)
{
  if (cases == NULL)
    return;
  for (size_t i = 0; i < n; i++)
    fm_case_free(cases[i]);
  free(cases);
}

/* What a non-regular file is, for the refusal message. */
static const char *fm_cli_file_kind(mode_t m)
{
  if (S_ISDIR(m))
    return "a directory";
  if (S_ISSOCK(m))
    return "a socket";
  if (S_ISBLK(m))
    return "a block device";
  return "not a regular file";
}

int fm_cli_atomic_open(fm_cli_atomic *a, const char *path)
{
  a->f = NULL;
  a->tmp = NULL;
  a->direct = 0;
  a->slot = -1;
  struct stat sb;
  if (stat(path, &sb) == 0 && !S_ISREG(sb.st_mode)) {
    /* Renaming a temporary file over a device or a FIFO would replace the
     * node itself (root may do that to /dev/null): write into it, as cp and
     * a shell redirection do.  Anything else is refused. */
    if (!S_ISCHR(sb.st_mode) && !S_ISFIFO(sb.st_mode))
      return fm_cli_error("%s: exists and is %s; refusing to replace it", path,
                          fm_cli_file_kind(sb.st_mode));
    a->path = strdup(path);
    if (a->path == NULL)
      return fm_cli_error("out of memory");
    a->f = fopen(path, "w");
    if (a->f == NULL) {
      int err = errno;
      free(a->path);
      return fm_cli_error("%s: cannot open for writing: %s", path, strerror(err));
    }
    a->direct = 1;
    return FM_EXIT_OK;
  }
  a->path = strdup(path);
  size_t len = strlen(path) + 16;
  a->tmp = malloc(len);
  if (a->path == NULL || a->tmp == NULL) {
    free(a->path);
    free(a->tmp);
    return fm_cli_error("out of memory");
  }
  snprintf(a->tmp, len, "%s.tmpXXXXXX", path);
  /* registered for removal on a signal before it exists (cli_signal.h) */
  sigset_t old;
  int fd = fm_cli_tmp_create(a->tmp, &a->slot);
  if (fd < 0 || (a->f = fdopen(fd, "w")) == NULL) {
    int err = errno;
    if (fd >= 0) {
      close(fd);
      fm_cli_tmp_begin(&old);
      unlink(a->tmp);
      fm_cli_tmp_unregister(a->slot);
      fm_cli_tmp_end(&old);
    }
    fm_cli_error("%s: cannot create output file: %s", path, strerror(err));
    free(a->path);
    free(a->tmp);
    return FM_EXIT_USAGE;
  }
  return FM_EXIT_OK;
}

/* The directory holding path, fsync'ed: the rename itself reaches the
 * disk (as a model file's always did). */
static void fm_cli_sync_dir(const char *path)
{
  const char *slash = strrchr(path, '/');
  char dir[4096];
  if (slash == NULL)
    snprintf(dir, sizeof dir, ".");
  else
    snprintf(dir, sizeof dir, "%.*s", (int)(slash == path ? 1 : slash - path), path);
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    (void)fsync(fd);
    close(fd);
  }
}

int fm_cli_atomic_commit(fm_cli_atomic *a, int ok)
{
  int rc = FM_EXIT_OK, err = 0;
  errno = 0;
  int bad = fflush(a->f) != 0 || ferror(a->f);
  if (bad)
    err = errno;
  /* the bytes reach the disk before the rename makes them the file: a crash
   * must leave the old file or the complete new one, never an empty one */
  if (ok && !bad && !a->direct && fsync(fileno(a->f)) != 0) {
    bad = 1;
    err = errno;
  }
  errno = 0;
  if (fclose(a->f) != 0 && !bad) {
    bad = 1;
    err = errno;
  }
  if (ok && bad)
    rc = fm_cli_error("%s: write error: %s", a->path, strerror(err ? err : EIO));
  sigset_t old;
  fm_cli_tmp_begin(&old);
  if (ok && !bad && !a->direct && rename(a->tmp, a->path) != 0)
    rc = fm_cli_error("%s: cannot rename temporary file: %s", a->path, strerror(errno));
  if (!a->direct && (!ok || rc != FM_EXIT_OK))
    unlink(a->tmp);
  fm_cli_tmp_unregister(a->slot);
  fm_cli_tmp_end(&old);
  if (ok && rc == FM_EXIT_OK && !a->direct)
    fm_cli_sync_dir(a->path);
  free(a->path);
  free(a->tmp);
  return rc;
}

int fm_cli_json_write(json_t *doc, const char *path)
{
  fm_cli_atomic out;
  int rc = fm_cli_atomic_open(&out, path);
  if (rc != FM_EXIT_OK) {
    json_decref(doc);
    return rc;
  }
  errno = 0;
  int ok = json_dumpf(doc, out.f, JSON_INDENT(2) | JSON_REAL_PRECISION(17)) == 0 &&
           fputc('\n', out.f) != EOF;
  int err = errno, direct = out.direct;
  json_decref(doc);
  if (ok)
    return fm_cli_atomic_commit(&out, 1);
  /* json_dumpf stops at the first failed fwrite (a full disk once the
   * document outgrows the stdio buffer): drop the temporary file */
  fm_cli_atomic_commit(&out, 0);
  if (err == 0)
    return fm_cli_error("%s: the JSON document could not be written%s", path,
                        direct ? "" : "; left as it was");
  return fm_cli_error("%s: write error: %s%s", path, strerror(err),
                      direct ? "" : "; left as it was");
}
