/* bad_inputs.h -- the table of malformed case files shared by
 * test_case_parse.c (through the library) and test_cli_bad_input.c
 * (through `fmcheck check --case FILE`).
 *
 * Each entry is a case file that must be rejected, the status the parser
 * must return, and two substrings its message must contain: `where` (the
 * JSON path of the offending value, or LINE:COL for a syntax error) and
 * `why` (a word of the explanation; NULL when `where` says enough).
 *
 * To keep the table readable the JSON is written with ' for " (no entry
 * needs a literal apostrophe); fm_bad_input_text() swaps them back.  The
 * syntax-error positions are jansson's (line 1-based, column of the
 * offending character or of the end of the offending token).
 */
#ifndef FM_TESTS_BAD_INPUTS_H
#define FM_TESTS_BAD_INPUTS_H

#include <stdlib.h>
#include <string.h>

#include "fm_status.h"

typedef struct {
  const char *json;  /* with ' for " */
  int status;
  const char *where; /* JSON path or LINE:COL the message must name */
  const char *why;   /* another substring the message must contain, or NULL */
} fm_bad_input;

/* Building blocks: a valid 1D data object and schedule, so that each entry
 * breaks exactly one thing. */
#define FM_BI_DATA1 \
  "'data': {'type': 'gmm', 'dim': 1, 'components': [{'weight': 1, 'mean': [0.5], 'var': 1}]}"
#define FM_BI_SCHED "'schedule': {'type': 'cond_ot'}"
#define FM_BI_CASE(data, sched) "{'name': 'bad', " data ", " sched "}"
/* A 2D case with the given components. */
#define FM_BI_COMPS2(comps) \
  FM_BI_CASE("'data': {'type': 'gmm', 'dim': 2, 'components': [" comps "]}", FM_BI_SCHED)
/* A case with the given schedule object. */
#define FM_BI_SCHEDULE(obj) FM_BI_CASE(FM_BI_DATA1, "'schedule': " obj)
/* A case with extra top-level members. */
#define FM_BI_TOP(extra) "{'name': 'bad', " FM_BI_DATA1 ", " FM_BI_SCHED ", " extra "}"
/* A data object with the given (type, dim) members and one 1D component. */
#define FM_BI_DATA(members) \
  FM_BI_CASE("'data': {" members ", 'components': [{'weight': 1, 'mean': [0.5], 'var': 1}]}", \
             FM_BI_SCHED)

static const fm_bad_input fm_bad_inputs[] = {
    /* --- JSON syntax: FILE:LINE:COL --- */
    {"{'name': 'bad',\n 'data': {'type': 'gmm',", FM_EPARSE, "2:24", "end of file"},
    {"{'name': 'bad',\n 'seed': [1, 2,]\n}", FM_EPARSE, "2:16", "unexpected token"},
    {"{'name': 'bad', 'seed': 1,}", FM_EPARSE, "1:27", NULL},
    {"{'name': 'bad',\n 'data': {'type': 'gmm', 'dim': 1,\n  'components': [{'weight': NaN}]}}",
     FM_EPARSE, "3:31", "NaN"},
    {"{'name': 'bad',\n 'data': {'type': 'gmm', 'dim': 1,\n  'components': [{'var': Infinity}]}}",
     FM_EPARSE, "3:33", "Infinity"},
    {"{'name': 'bad',\n 'data': {'type': 'gmm', 'dim': 1,\n  'components': [{'var': -Infinity}]}}",
     FM_EPARSE, "3:26", "no NaN or Infinity"},
    {"{'name': 'bad',\n 'data': {'type': 'gmm', 'dim': 1,\n  'components': [{'var': 1e400}]}}",
     FM_EPARSE, "3:30", "1e400"},
    {"{'name': 'bad', 'seed': inf}", FM_EPARSE, "1:", "no NaN or Infinity"},
    {"{'name': 'bad', 'seed': -nan}", FM_EPARSE, "1:", "no NaN or Infinity"},
    {"{'name': 'bad', 'seed': 100000000000000000000}", FM_EPARSE, "1:45", "64 bits"},
    {"{'name': 'a',\n 'name': 'b'}", FM_EPARSE, "2:7", "duplicate"},
    {"", FM_EPARSE, "1:0", "expected"},
    {"name: bad", FM_EPARSE, "1:4", "expected"},
    {"{'name': 'bad}", FM_EPARSE, "1:14", NULL},
    {"{'name': 'bad'}\n{}", FM_EPARSE, "2:1", "end of file expected"},
    /* --- top level --- */
    {"[1, 2]", FM_EINVAL, "top-level", "object"},
    {FM_BI_TOP("'nmae': 'typo'"), FM_EINVAL, "nmae", "unknown key"},
    {FM_BI_TOP("'description': 42"), FM_EINVAL, "description", "string"},
    {FM_BI_TOP("'provenance': ['a']"), FM_EINVAL, "provenance", "string"},
    {FM_BI_TOP("'seed': -1"), FM_EINVAL, "seed", "got -1"},
    {FM_BI_TOP("'seed': '7'"), FM_EINVAL, "seed", "string"},
    {FM_BI_TOP("'seed': 1.5"), FM_EINVAL, "seed", "1.5"},
    {"{" FM_BI_DATA1 ", " FM_BI_SCHED "}", FM_EINVAL, "name", "required"},
    {"{'name': 3, " FM_BI_DATA1 ", " FM_BI_SCHED "}", FM_EINVAL, "name", "string"},
    {"{'name': '', " FM_BI_DATA1 ", " FM_BI_SCHED "}", FM_EINVAL, "name", "empty"},
    {"{'name': 'bad', " FM_BI_SCHED "}", FM_EINVAL, "data", "required"},
    {"{'name': 'bad', " FM_BI_DATA1 "}", FM_EINVAL, "schedule", "required"},
    /* --- data --- */
    {FM_BI_CASE("'data': [1]", FM_BI_SCHED), FM_EINVAL, "data", "object"},
    {FM_BI_DATA("'type': 'gaussian', 'dim': 1"), FM_EINVAL, "data.type", "gaussian"},
    {FM_BI_DATA("'dim': 1"), FM_EINVAL, "data.type", "required"},
    {FM_BI_DATA("'type': 'gmm', 'dim': 0"), FM_EINVAL, "data.dim", "got 0"},
    {FM_BI_DATA("'type': 'gmm', 'dim': -3"), FM_EINVAL, "data.dim", "got -3"},
    {FM_BI_DATA("'type': 'gmm', 'dim': 1.5"), FM_EINVAL, "data.dim", "1.5"},
    {FM_BI_DATA("'type': 'gmm', 'dim': '1'"), FM_EINVAL, "data.dim", "string"},
    {FM_BI_DATA("'type': 'gmm', 'dim': 2000"), FM_EINVAL, "data.dim", "1024"},
    {FM_BI_DATA("'type': 'gmm'"), FM_EINVAL, "data.dim", "required"},
    {FM_BI_DATA("'type': 'gmm', 'dim': 1, 'dims': 1"), FM_EINVAL, "data.dims", "unknown key"},
    {FM_BI_CASE("'data': {'type': 'gmm', 'dim': 1, 'components': []}", FM_BI_SCHED), FM_EINVAL,
     "data.components", "non-empty"},
    {FM_BI_CASE("'data': {'type': 'gmm', 'dim': 1, 'components': {}}", FM_BI_SCHED), FM_EINVAL,
     "data.components", "array"},
    {FM_BI_CASE("'data': {'type': 'gmm', 'dim': 1}", FM_BI_SCHED), FM_EINVAL,
     "data.components", "required"},
    /* --- components --- */
    {FM_BI_COMPS2("7"), FM_EINVAL, "data.components[0]", "object"},
    {FM_BI_COMPS2("{'weight': 1, 'mean': [0, 0], 'covariance': [[1, 0], [0, 1]]}"), FM_EINVAL,
     "data.components[0].covariance", "unknown key"},
    {FM_BI_COMPS2("{'mean': [0, 0], 'var': 1}"), FM_EINVAL, "data.components[0].weight",
     "required"},
    {FM_BI_COMPS2("{'weight': 0, 'mean': [0, 0], 'var': 1}"), FM_EINVAL,
     "data.components[0].weight", "positive"},
    {FM_BI_COMPS2("{'weight': -0.5, 'mean': [0, 0], 'var': 1}"), FM_EINVAL,
     "data.components[0].weight", "positive"},
    {FM_BI_COMPS2("{'weight': 'NaN', 'mean': [0, 0], 'var': 1}"), FM_EINVAL,
     "data.components[0].weight", "number"},
    {FM_BI_COMPS2("{'weight': null, 'mean': [0, 0], 'var': 1}"), FM_EINVAL,
     "data.components[0].weight", "number"},
    {FM_BI_COMPS2("{'weight': 1e308, 'mean': [0, 0], 'var': 1},"
                  "{'weight': 1e308, 'mean': [1, 1], 'var': 1}"),
     FM_ENONFIN, "data.components", "sum"},
    {FM_BI_COMPS2("{'weight': 1, 'var': 1}"), FM_EINVAL, "data.components[0].mean", "required"},
    {FM_BI_COMPS2("{'weight': 1, 'mean': [0], 'var': 1}"), FM_EDIM, "data.components[0].mean",
     "expected dim = 2"},
    {FM_BI_COMPS2("{'weight': 1, 'mean': [0, 0, 0], 'var': 1}"), FM_EDIM,
     "data.components[0].mean", "3 entries"},
    {FM_BI_COMPS2("{'weight': 1, 'mean': [0, 'x'], 'var': 1}"), FM_EINVAL,
     "data.components[0].mean[1]", "number"},
    {FM_BI_COMPS2("{'weight': 1, 'mean': 0, 'var': 1}"), FM_EINVAL, "data.components[0].mean",
     "array"},
    {FM_BI_COMPS2("{'weight': 1, 'mean': [0, 0], 'cov': [[1, 0]]}"), FM_EDIM,
     "data.components[0].cov", "1 row,"},
    {FM_BI_COMPS2("{'weight': 1, 'mean': [0, 0], 'cov': [[1, 0], [0]]}"), FM_EDIM,
     "data.components[0].cov[1]", "1 entry,"},
    {FM_BI_COMPS2("{'weight': 1, 'mean': [0, 0], 'cov': [[1, 0], [0, 1, 0]]}"), FM_EDIM,
     "data.components[0].cov[1]", "3 entries"},
    {FM_BI_COMPS2("{'weight': 1, 'mean': [0, 0], 'cov': 1}"), FM_EINVAL,
     "data.components[0].cov", "array"},
    {FM_BI_COMPS2("{'weight': 1, 'mean': [0, 0], 'cov': [[1, 0.5], [0.4, 1]]}"), FM_ENOTPD,
     "data.components[0].cov", "not symmetric"},
    {FM_BI_COMPS2("{'weight': 1, 'mean': [0, 0], 'cov': [[1, 2], [2, 1]]}"), FM_ENOTPD,
     "data.components[0].cov", "not positive definite"},
    {FM_BI_COMPS2("{'weight': 1, 'mean': [0, 0], 'cov': [[0, 0], [0, 0]]}"), FM_ENOTPD,
     "data.components[0].cov", "not positive definite"},
    {FM_BI_COMPS2("{'weight': 1, 'mean': [0, 0], 'cov': [[0.1, 0.1], [0.1, 0.1]]}"), FM_ENOTPD,
     "data.components[0].cov", "eigenvalues 0, 0.2"},
    {FM_BI_COMPS2("{'weight': 1, 'mean': [0, 0], 'diag': [2, 1e-13]}"), FM_ENOTPD,
     "data.components[0].diag", "numerically singular, eigenvalues 1e-13, 2"},
    {FM_BI_COMPS2("{'weight': 1, 'mean': [0, 0], 'var': 0}"), FM_EINVAL,
     "data.components[0].var", "positive"},
    {FM_BI_COMPS2("{'weight': 1, 'mean': [0, 0], 'var': -1}"), FM_EINVAL,
     "data.components[0].var", "positive"},
    {FM_BI_COMPS2("{'weight': 1, 'mean': [0, 0], 'diag': [1]}"), FM_EDIM,
     "data.components[0].diag", "expected dim = 2"},
    {FM_BI_COMPS2("{'weight': 1, 'mean': [0, 0], 'diag': [1, 0]}"), FM_EINVAL,
     "data.components[0].diag[1]", "positive"},
    {FM_BI_COMPS2("{'weight': 1, 'mean': [0, 0], 'cov': [[1, 0], [0, 1]], 'var': 1}"), FM_EINVAL,
     "data.components[0]", "both cov and var"},
    {FM_BI_COMPS2("{'weight': 1, 'mean': [0, 0], 'var': 1, 'diag': [1, 1]}"), FM_EINVAL,
     "data.components[0]", "both var and diag"},
    {FM_BI_COMPS2("{'weight': 1, 'mean': [0, 0]}"), FM_EINVAL, "data.components[0]",
     "exactly one of cov, var, diag"},
    {FM_BI_COMPS2("{'weight': 1, 'mean': [0, 0], 'var': 1},"
                  "{'weight': 1, 'mean': [0, 0], 'cov': [[1, 0], [0, -1]]}"),
     FM_ENOTPD, "data.components[1].cov", "(component 1)"},
    /* --- schedule --- */
    {FM_BI_SCHEDULE("'cond_ot'"), FM_EINVAL, "schedule", "object"},
    {FM_BI_SCHEDULE("{'sigma_min': 0.5}"), FM_EINVAL, "schedule.type", "required"},
    {FM_BI_SCHEDULE("{'type': 'linear'}"), FM_EINVAL, "schedule.type", "linear"},
    {FM_BI_SCHEDULE("{'type': 3}"), FM_EINVAL, "schedule.type", "string"},
    {FM_BI_SCHEDULE("{'type': 'cond_ot', 'beta_min': 1}"), FM_EINVAL, "schedule.beta_min",
     "unknown key"},
    {FM_BI_SCHEDULE("{'type': 'cosine', 'n': 2}"), FM_EINVAL, "schedule.n", "unknown key"},
    {FM_BI_SCHEDULE("{'type': 'cond_ot', 'sigma_min': 1}"), FM_EINVAL, "schedule.sigma_min",
     "got 1"},
    {FM_BI_SCHEDULE("{'type': 'cond_ot', 'sigma_min': -0.5}"), FM_EINVAL, "schedule.sigma_min",
     "got -0.5"},
    {FM_BI_SCHEDULE("{'type': 'cond_ot', 'sigma_min': '0.1'}"), FM_EINVAL, "schedule.sigma_min",
     "number"},
    {FM_BI_SCHEDULE("{'type': 'vp', 'beta_min': 2, 'beta_max': 1}"), FM_EINVAL,
     "schedule.beta_max", "got 1"},
    {FM_BI_SCHEDULE("{'type': 'vp', 'beta_min': 0}"), FM_EINVAL, "schedule.beta_min", "got 0"},
    {FM_BI_SCHEDULE("{'type': 've', 'sigma_min': 2, 'sigma_max': 1}"), FM_EINVAL,
     "schedule.sigma_max", "got 1"},
    {FM_BI_SCHEDULE("{'type': 'polynomial'}"), FM_EINVAL, "schedule.n", "required"},
    {FM_BI_SCHEDULE("{'type': 'polynomial', 'n': 0}"), FM_EINVAL, "schedule.n", "got 0"},
    {FM_BI_SCHEDULE("{'type': 'polynomial', 'n': -1}"), FM_EINVAL, "schedule.n", "got -1"},
    {FM_BI_SCHEDULE("{'type': 'expr', 'alpha': 'sin(t', 'sigma': '1-t'}"), FM_EPARSE,
     "schedule.alpha", "sin(t"},
    {FM_BI_SCHEDULE("{'type': 'expr', 'alpha': 'u*t', 'sigma': '1-t'}"), FM_EINVAL,
     "schedule.alpha", "'u'"},
    {FM_BI_SCHEDULE("{'type': 'expr', 'alpha': 't', 'sigma': '1-t', 'sigma_dot': 'x'}"),
     FM_EINVAL, "schedule.sigma_dot", "'x'"},
    {FM_BI_SCHEDULE("{'type': 'expr', 'alpha': 't', 'sigma': '1-t', 'cond_field': 'y*t'}"),
     FM_EINVAL, "schedule.cond_field", "'y'"},
    {FM_BI_SCHEDULE("{'type': 'expr', 'alpha': 't'}"), FM_EINVAL, "schedule.sigma", "required"},
    {FM_BI_SCHEDULE("{'type': 'expr', 'alpha': 1, 'sigma': '1-t'}"), FM_EINVAL,
     "schedule.alpha", "string"},
    {FM_BI_SCHEDULE("{'type': 'expr', 'alpha': 't', 'sigma': '1-t', 'beta': 't'}"), FM_EINVAL,
     "schedule.beta", "unknown key"},
    {FM_BI_SCHEDULE("{'type': 'table', 'file': 'no-such-schedule.csv'}"), FM_EIO,
     "schedule.file", "no-such-schedule.csv"},
    {FM_BI_SCHEDULE("{'type': 'table'}"), FM_EINVAL, "schedule.file", "required"},
};

#define FM_BAD_INPUT_COUNT (sizeof fm_bad_inputs / sizeof fm_bad_inputs[0])

/* The entry's JSON with ' turned into "; caller frees. */
static inline char *fm_bad_input_text(const fm_bad_input *b)
{
  size_t n = strlen(b->json);
  char *s = malloc(n + 1);
  if (s == NULL)
    return NULL;
  for (size_t i = 0; i <= n; i++)
    s[i] = b->json[i] == '\'' ? '"' : b->json[i];
  return s;
}

#endif
