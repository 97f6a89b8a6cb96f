/* registry.c -- the theorem catalogue (theorems/README.md), in catalogue order.
 * Adding a theorem: a folder theorems/<id>/ whose main file defines `const
 * fm_theorem fm_thm_<id>` (statement, routes, controls; its route keys in
 * kit/route_keys.h), its declaration in theorems.h, one line here and its
 * sources in theorems/meson.build. */
#include "theorems.h"

const fm_theorem *const fm_theorems[] = {
    &fm_thm_cond_field,
    &fm_thm_push_forward,
    &fm_thm_marginal_field,
    &fm_thm_continuity,
    &fm_thm_fm_cfm_grad,
    &fm_thm_cfm_minimizer,
    &fm_thm_marginal_score,
    &fm_thm_tweedie,
    &fm_thm_pf_ode,
    &fm_thm_sde_marginals,
    &fm_thm_likelihood,
    &fm_thm_schedule,
    &fm_thm_solver_order,
    &fm_thm_conversions,
    &fm_thm_schedule_transform,
    NULL,
};
