"""Figures the SSH benchmarks share: the nearest-rank percentile of a list of samples."""


def percentile(samples, p):
    """The nearest-rank p-th percentile (p in 0..100) of a non-empty list."""
    s = sorted(samples)
    return s[min(len(s) - 1, max(0, int(round(p / 100 * len(s))) - 1))]
