/* theorems.h -- the theorem objects (one file each under theorems/). */
#ifndef FM_THEOREMS_H
#define FM_THEOREMS_H

#include "theorem.h"

extern const fm_theorem fm_thm_cond_field, fm_thm_push_forward;
extern const fm_theorem fm_thm_tweedie, fm_thm_pf_ode, fm_thm_schedule;
extern const fm_theorem fm_thm_marginal_field, fm_thm_marginal_score;
extern const fm_theorem fm_thm_cfm_minimizer;
extern const fm_theorem fm_thm_continuity, fm_thm_fm_cfm_grad;
extern const fm_theorem fm_thm_solver_order, fm_thm_likelihood, fm_thm_sde_marginals;
extern const fm_theorem fm_thm_conversions, fm_thm_schedule_transform;

#endif
