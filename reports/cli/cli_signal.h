/* cli_signal.h -- SIGINT, SIGTERM and SIGHUP leave no partial output.
 *
 * Every temporary file an output is built in (cli.h's atomic files, the
 * model file of train) is registered here while it exists.  The handler
 * only unlinks the registered paths (unlink is async-signal-safe; the
 * paths live in static storage written before the slot is marked used),
 * restores the default action and re-raises the signal, so the process
 * dies by it as an interrupted program should, and every destination is
 * left as it was.  `report` builds a whole directory and has its own
 * handler (a flag checked between steps; cmd_report.c).
 *
 * A process-directed signal may be handled by any thread (OpenBLAS has
 * its own), so blocking signals in the creating thread cannot close the
 * gap between mkstemp and registering its name: fm_cli_tmp_create
 * registers the name first and only then creates the file (O_EXCL), so a
 * file that exists is always registered.  fm_cli_tmp_begin/end block the
 * signals in the calling thread around publication (rename + unregister);
 * a handler that runs elsewhere in between unlinks a name that is gone,
 * which is harmless. */
#ifndef FM_CLI_SIGNAL_H
#define FM_CLI_SIGNAL_H

#include <signal.h>

/* Install the handler (main, once). */
void fm_cli_signals_install(void);

/* Like mkstemp(tmpl) (tmpl ends in XXXXXX; the file is made 0644 less
 * the umask), with the name registered before the file exists; *slot is
 * its registration.  -1 and errno on failure. */
int fm_cli_tmp_create(char *tmpl, int *slot);

/* Register path (copied); returns the slot, or -1 when all are taken (the
 * file is then simply not cleaned up on a signal). */
int fm_cli_tmp_register(const char *path);
void fm_cli_tmp_unregister(int slot);

/* Block / restore SIGINT, SIGTERM, SIGHUP around a critical section. */
void fm_cli_tmp_begin(sigset_t *old);
void fm_cli_tmp_end(const sigset_t *old);

#endif
