"""Assertions for test suites (pytest or unittest): each raises
AssertionError whose message is the explanation of the fmcheck command
(the error, the worst point, each test's p-value), and returns the result
when it passes."""

from ._compare import compare_field, compare_samples


def assert_field_close(case, v, t, x, tol=1e-6):
    """Assert that the field v (an (n, d) array, or a callable v(t, x)) is
    within relative L2 error tol of the exact marginal field of case at the
    points (t, x)."""
    r = compare_field(case, v, t, x, tol=tol)
    if not r.passed:
        raise AssertionError("the field is not close to the exact one\n" + str(r))
    return r


def assert_samples_match(case, samples, t=1.0, alpha=1e-3, seed=1):
    """Assert that samples (n, d) are not rejected as draws of p_t of case
    at family-wise level alpha."""
    r = compare_samples(case, samples, t=t, alpha=alpha, seed=seed)
    if not r.passed:
        raise AssertionError("the samples do not match p_t\n" + str(r))
    return r
