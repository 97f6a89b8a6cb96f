/* fm_test_cli.h -- run the fmcheck binary from a test and capture its
 * standard output, standard error and exit status (posix_spawn + pipes; no
 * shell, so arguments need no quoting).  The binary is $FMCHECK, set by
 * tests/meson.build. */
#ifndef FM_TEST_CLI_H
#define FM_TEST_CLI_H

#include <poll.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

typedef struct {
  int status; /* exit status, or 128 + signal */
  char *out;  /* NUL-terminated, malloc'd */
  char *err;
} fm_cli_result;

static inline void fm_cli_result_free(fm_cli_result *r)
{
  free(r->out);
  free(r->err);
}

static inline int fm_cli_append(char **buf, size_t *len, int fd)
{
  char chunk[4096];
  ssize_t k = read(fd, chunk, sizeof chunk);
  if (k <= 0)
    return 0;
  char *nb = realloc(*buf, *len + (size_t)k + 1);
  if (nb == NULL)
    return 0;
  memcpy(nb + *len, chunk, (size_t)k);
  *len += (size_t)k;
  nb[*len] = '\0';
  *buf = nb;
  return 1;
}

/* argv: NULL-terminated arguments after the program name. */
static inline int fm_cli_run(fm_cli_result *r, const char *const *args)
{
  const char *exe = getenv("FMCHECK");
  if (exe == NULL)
    return -1;
  const char *argv[64];
  size_t n = 0;
  argv[n++] = exe;
  while (args[n - 1] != NULL && n < 63) {
    argv[n] = args[n - 1];
    n++;
  }
  argv[n] = NULL;
  int po[2], pe[2];
  if (pipe(po) != 0 || pipe(pe) != 0)
    return -1;
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, po[1], 1);
  posix_spawn_file_actions_adddup2(&fa, pe[1], 2);
  posix_spawn_file_actions_addclose(&fa, po[0]);
  posix_spawn_file_actions_addclose(&fa, pe[0]);
  pid_t pid;
  int rc = posix_spawn(&pid, exe, &fa, NULL, (char *const *)argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  close(po[1]);
  close(pe[1]);
  if (rc != 0)
    return -1;
  size_t lo = 0, le = 0;
  r->out = calloc(1, 1);
  r->err = calloc(1, 1);
  struct pollfd fds[2] = {{po[0], POLLIN, 0}, {pe[0], POLLIN, 0}};
  int open_fds = 2;
  while (open_fds > 0 && poll(fds, 2, -1) > 0)
    for (int i = 0; i < 2; i++)
      if (fds[i].fd >= 0 && (fds[i].revents & (POLLIN | POLLHUP))) {
        if (!fm_cli_append(i == 0 ? &r->out : &r->err, i == 0 ? &lo : &le, fds[i].fd)) {
          close(fds[i].fd);
          fds[i].fd = -1;
          open_fds--;
        }
      }
  int ws;
  waitpid(pid, &ws, 0);
  r->status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
  return 0;
}

/* Write text to a fresh temporary file; returns its malloc'd path. */
static inline char *fm_cli_tempfile(const char *text, const char *suffix)
{
  char tmpl[] = "/tmp/fmcheck-test-XXXXXX";
  int fd = mkstemp(tmpl);
  if (fd < 0)
    return NULL;
  size_t len = strlen(text);
  ssize_t w = write(fd, text, len);
  close(fd);
  if (w != (ssize_t)len)
    return NULL;
  size_t plen = strlen(tmpl) + strlen(suffix) + 1;
  char *path = malloc(plen);
  snprintf(path, plen, "%s%s", tmpl, suffix);
  if (rename(tmpl, path) != 0) {
    free(path);
    return NULL;
  }
  return path;
}

#endif
