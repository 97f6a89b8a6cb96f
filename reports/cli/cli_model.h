/* cli_model.h -- what the model commands (train, sample, loglik) and the
 * comparison commands share: loading a model file and the case that goes
 * with it, and the law p_t of a case -- each printing one message that
 * names the file (and line or field) and returning FM_EXIT_USAGE on bad
 * input. */
#ifndef FM_CLI_MODEL_H
#define FM_CLI_MODEL_H

#include <stddef.h>

#include "case.h"
#include "gmm.h"
#include "model_file.h"

/* Load and validate a model file (model_file.h). */
int fm_cli_model_load(fm_model **m, const char *path);

/* The case for model m: the file or built-in `casearg` when given, checked
 * against the model (dimension, then content hash); otherwise (casearg
 * NULL) the case the model records -- its origin, "builtin:<file>" or the
 * path used at training time -- also checked. */
int fm_cli_model_case(fm_case **c, const fm_model *m, const char *casearg);

/* One case from a file or built-in name (fm_cli_cases_load). */
int fm_cli_case_load(fm_case **c, const char *arg);

/* p_t of case c as a GMM (fm_gmm_at_time).  Only alpha_t and sigma_t are
 * needed, so a schedule whose derivative is infinite at t (VP and
 * linear_vp at t = 1: fm_schedule_eval returns FM_ESING after filling the
 * values, which are finite) is accepted. */
int fm_cli_case_at(fm_gmm **pt, const fm_case *c, double t);

#endif
