"""Exact row percentiles without the branchy full partition.

The simulation reports three percentiles of thousands of draws for every deal. `np.partition` with several
kth indices (introselect) spends about 20 ns per value on fresh random data, mostly on mispredicted
branches; and on AMD Zen 4 `np.sort` of more than 256 float64 is slow too (its AVX-512 path stores
through a microcoded instruction). Sorting rows of at most 256 values is cheap everywhere (a sorting
network), and so are branch-free comparisons over a whole block of rows.

So the order statistics are found by selection over the block, from a sample: a third of every row,
in runs sorted apart and pooled into estimates of the row's order statistics. One comparison counts
the values below the estimate of each wanted rank exactly, which says how far off the estimate is;
the sample between that known point and the wanted rank wanders only over the values in between, so
the estimate shifted by that many values brackets the rank, with a margin of a few standard
deviations. A second comparison counts the values below and inside each bracket and gathers the few
inside, which are sorted. Counting keeps every step exact, ties and infinities included. A row whose
bracket misses (an unrepresentative sample), whose wanted rank lies among its NaN, or whose order
statistic is a zero while it has zeros of both signs (which one np.partition puts there is its own
affair) is handed to np.partition, so the result is always exactly the one it gives.

Each numpy call costs microseconds whatever its size, and fresh memory a page fault every 4 kB, so
the work is laid out as few calls over the whole block, in a few arrays kept between calls.
"""

from __future__ import annotations

import threading
from functools import lru_cache
from math import prod
from typing import NamedTuple

import numpy as np

# Below this many draws np.partition is cheap enough on its own.
MIN_DRAWS = 512
# Rows of at most this many values are sorted outright (np.sort uses a sorting network).
SORT_SIZE = 256
# The sample is one run of values in every SAMPLE_STEP along a row.
SAMPLE_STEP = 3
# Margin either side of a bracket, in standard deviations of the sample's error.
SPREAD = 4.5
# Ranks at most this far above a group's first are found under the group's one bracket.
GROUP_SPAN = 64
# With more groups than this, the comparisons over the block cost more than np.partition.
MAX_GROUPS = 8
# Scratch arrays up to this many bytes are kept between calls, per thread.
SCRATCH_BYTES = 1 << 24
# A bracket's lower end lies below the estimate of its first rank, its upper end above its last.
SIDES = np.array([-1.0, 1.0])[:, None, None]


def row_percentiles(block: np.ndarray, qs: tuple[int, ...]) -> np.ndarray:
    """block: float64 array of shape (k, n), n >= 1. Returns float64 array (k, len(qs)):
    for each row, NumPy's default 'linear' percentile of that row at each q in qs (0..100)."""
    n = block.shape[1]
    # Brackets estimated from huge or infinite samples overflow to inf or NaN, and miss; inf - inf
    # is NaN in the interpolation, as it is for np.percentile.
    with np.errstate(over="ignore", invalid="ignore"):
        return from_order_statistics(_order_statistics(block, percentile_ranks(n, qs)), n, qs)


def percentile_ranks(n: int, qs: tuple[int, ...]) -> tuple[int, ...]:
    """The ranks (0-based, ascending, each once) of the order statistics of n values that the
    percentiles qs interpolate between."""
    return _interpolation(n, tuple(qs)).ranks


def from_order_statistics(stats: np.ndarray, n: int, qs: tuple[int, ...]) -> np.ndarray:
    """The percentiles qs (k, len(qs)) of k rows of n values, from each row's order statistics at
    percentile_ranks(n, qs) (k, len(ranks)): NumPy's default 'linear' interpolation, with the same
    float operations in the same order as np.percentile, so the result is bit for bit the same."""
    rule = _interpolation(n, tuple(qs))
    a, b = stats[:, rule.below], stats[:, rule.above]
    with np.errstate(invalid="ignore"):  # inf - inf is NaN, as it is for np.percentile
        return np.where(rule.near_below, a + (b - a) * rule.t, b - (b - a) * rule.rest)


class _Interpolation(NamedTuple):
    ranks: tuple[int, ...]
    below: np.ndarray  # (qs,): where in `ranks` each percentile's lower order statistic is
    above: np.ndarray  # and its upper one
    t: np.ndarray  # (qs,): how far it lies from the lower towards the upper
    rest: np.ndarray  # (qs,): 1 - t
    near_below: np.ndarray  # (qs,): interpolated from the lower one (t < 0.5), as np.percentile does


@lru_cache(maxsize=64)
def _interpolation(n: int, qs: tuple[int, ...]) -> _Interpolation:
    positions = [(n - 1) * (q / 100) for q in qs]
    below = [int(p) for p in positions]
    above = [min(b + 1, n - 1) for b in below]
    ranks = tuple(sorted(set(below + above)))
    t = [p - b for p, b in zip(positions, below, strict=True)]
    return _Interpolation(
        ranks=ranks,
        below=np.array([ranks.index(b) for b in below], dtype=np.intp),
        above=np.array([ranks.index(a) for a in above], dtype=np.intp),
        t=np.array(t),
        rest=np.array([1 - value for value in t]),
        near_below=np.array([value < 0.5 for value in t]),
    )


def _order_statistics(block: np.ndarray, ranks: tuple[int, ...]) -> np.ndarray:
    """Each row's values at `ranks` in ascending order, exactly as np.partition places them."""
    n = block.shape[1]
    if block.strides[1] == 0:
        # A row broadcast along its draws is one value repeated.
        return np.repeat(block[:, :1], len(ranks), axis=1)
    plan = _plan(ranks, n)
    if n < MIN_DRAWS or len(plan.centre) > MAX_GROUPS or not len(block):
        return _partitioned(block, ranks)
    block = np.ascontiguousarray(block)
    stats, exact = _selected(block, plan)
    # A zero order statistic is found by value; its sign is the row's, if the row's zeros agree.
    for row in (exact & np.logical_or.reduce(stats == 0, axis=1)).nonzero()[0].tolist():
        zeros = block[row][block[row] == 0]
        signs = np.signbit(zeros)
        if signs.all() or not signs.any():
            stats[row, stats[row] == 0] = zeros[0]
        else:
            exact[row] = False
    if not np.logical_and.reduce(exact):
        stats[~exact] = _partitioned(block[~exact], ranks)
    return stats


def _partitioned(rows: np.ndarray, ranks: tuple[int, ...]) -> np.ndarray:
    return np.partition(rows, ranks, axis=1)[:, list(ranks)]


class _Plan(NamedTuple):
    """How the order statistics at some ranks of rows of some length are selected: everything that
    does not depend on the values. Ranks close together are a group, found together."""

    runs: int  # the sample of a row is this many runs of values, sorted apart
    length: int  # of this many values each
    centre: np.ndarray  # (groups,): the rank in a run whose pooled value estimates each group's middle
    ends: np.ndarray  # (2, groups, 1): each group's first and last rank
    wanted: np.ndarray  # (groups, most ranks in a group): its ranks, the last one repeated
    group: np.ndarray  # (ranks,): the group of each rank
    place: np.ndarray  # (ranks,): its place in the group


@lru_cache(maxsize=64)
def _plan(ranks: tuple[int, ...], n: int) -> _Plan:
    samples = -(-n // SAMPLE_STEP)
    runs = -(-samples // SORT_SIZE)
    length = samples // runs
    groups = [[ranks[0]]]
    for rank in ranks[1:]:
        if rank - groups[-1][0] > GROUP_SPAN:
            groups.append([rank])
        else:
            groups[-1].append(rank)
    span = max(len(group) for group in groups)
    # A run's order statistic near rank (r + 0.5) * length / n - 0.5 estimates the row's r-th.
    middles = [((group[0] + group[-1]) / 2 + 0.5) * length / n - 0.5 for group in groups]
    return _Plan(
        runs=runs,
        length=length,
        centre=np.array([min(max(round(middle), 0), length - 1) for middle in middles]),
        ends=np.array([[[group[0]] for group in groups], [[group[-1]] for group in groups]]),
        wanted=np.array([[group[min(i, len(group) - 1)] for i in range(span)] for group in groups]),
        group=np.array([g for g, group in enumerate(groups) for _ in group]),
        place=np.array([i for group in groups for i in range(len(group))]),
    )


def _selected(block: np.ndarray, plan: _Plan) -> tuple[np.ndarray, np.ndarray]:
    """Order statistics of every row of the C-contiguous block at the plan's ranks, and which rows
    they are exact for (the others hold placeholders)."""
    k, n = block.shape
    estimates = _pooled(block, plan.runs, plan.length)
    rows = np.arange(k)

    # The exact count below the sample's estimate of each group's middle says how far off it is; the
    # sample between that known point and a wanted rank wanders only as a walk over the values in
    # between (besides a sample spacing), so the estimate shifted by that many values brackets it.
    shape = (len(plan.centre), k, n)
    under, within = _scratch("under", shape, bool), _scratch("within", shape, bool)
    threshold = estimates[:, plan.centre + 1].T
    distance = plan.ends + 0.5 - true_counts(np.less(block, threshold[:, :, None], out=under))
    margin = SPREAD * np.sqrt(np.abs(distance) * (SAMPLE_STEP - 1) + SAMPLE_STEP**2)
    ends = plan.centre[:, None] + 1 + (distance + SIDES * margin) * (plan.length / n)
    ends = np.minimum(np.maximum(ends, 0), plan.length + 1)  # columns of `estimates`
    whole = ends.astype(np.intp)
    fraction = ends - whole
    beside = estimates[rows, whole], estimates[rows, np.minimum(whole + 1, plan.length + 1)]
    lower, upper = np.where(fraction > 0, beside[0] + fraction * (beside[1] - beside[0]), beside[0])

    np.less(block, lower[:, :, None], out=under)
    np.less_equal(block, upper[:, :, None], out=within)
    below = true_counts(under)
    count = true_counts(within) - below  # NaN is in neither
    first, last = plan.ends
    hit = (below <= first) & (last < below + count)
    # A bracket of one value (ties) is every order statistic inside it: nothing to gather. The others
    # are gathered if they hold few enough values to sort.
    gather = hit & (lower < upper) & (count <= SORT_SIZE)
    exact = np.logical_and.reduce(hit & (gather | (lower == upper)), axis=0)

    # Every gathered bracket's values as rows of one array, bracket by bracket, sorted. (numpy gathers
    # a sparse mask with a branch per value found: one pass over the union of the brackets.)
    np.greater(within, under, out=within)
    within[~gather] = False
    index = np.logical_or.reduce(within, axis=0, out=under[0]).ravel().nonzero()[0]
    values = block.ravel().take(index)
    gathered = np.concatenate(
        [values.compress(mine) for mine in within.reshape(len(within), -1).take(index, axis=1)]
    )
    candidates = _padded(gathered, (count * gather).ravel())
    candidates.sort(axis=1)
    local = (plan.wanted[:, None, :] - below[:, :, None]) * gather[:, :, None]
    chosen = candidates[np.arange(len(candidates))[:, None], local.reshape(len(candidates), -1)].reshape(
        local.shape
    )
    stats = np.where(gather[:, :, None], chosen, lower[:, :, None])
    return stats[plan.group, :, plan.place].T, exact


def _pooled(block: np.ndarray, runs: int, length: int) -> np.ndarray:
    """A sample of each row, `runs` runs of `length` values spread evenly along it (reading whole
    runs of a fresh block is cheaper than reading every few values), each run sorted and the runs
    pooled rank by rank into one estimate of the whole sample's order statistic there: (k, length + 2),
    the first column -inf and the last +inf for the open ends. The runs' mean is taken as the first
    run's value plus the mean difference from it, so that runs that agree (ties) give their value itself."""
    k, n = block.shape
    ordered = _scratch("ordered", (k, runs, length), float)
    ordered[...] = block[:, : n // runs * runs].reshape(k, runs, -1)[:, :, :length]
    ordered.sort(axis=2)
    estimates = np.empty((k, length + 2))
    estimates[:, 0] = -np.inf
    estimates[:, -1] = np.inf
    first = ordered[:, :1].copy()
    np.add(
        first[:, 0],
        np.add.reduce(np.subtract(ordered, first, out=ordered), axis=1) * (1 / runs),
        out=estimates[:, 1:-1],
    )
    return estimates


def true_counts(mask: np.ndarray) -> np.ndarray:
    """How many values are true along the last axis of a boolean array."""
    # Summing bytes into a narrow integer is several times faster than count_nonzero along an axis.
    return np.add.reduce(
        mask.view(np.uint8), axis=-1, dtype=np.uint16 if mask.shape[-1] < 1 << 16 else np.intp
    )


def _padded(values: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """`values` laid out row after row, `counts[i]` of them in row i, as rows padded with +inf."""
    width = max(int(counts.max()), 1)
    rows = _scratch("padded", (len(counts), width), float)
    rows.fill(np.inf)
    rows[np.arange(width) < counts[:, None]] = values
    return rows


_scratch_arrays = threading.local()


def _scratch(name: str, shape: tuple[int, ...], dtype: type) -> np.ndarray:
    """An array to work in, kept between calls (per thread) when it is not too big: fresh memory
    costs a page fault every 4 kB, which for a few MB costs more than the work done in it."""
    size = prod(shape) * np.dtype(dtype).itemsize
    kept = getattr(_scratch_arrays, name, None)
    if size > SCRATCH_BYTES:
        return np.empty(shape, dtype)
    if kept is None or kept.size < size:
        kept = np.empty(size, np.uint8)
        setattr(_scratch_arrays, name, kept)
    return kept[:size].view(dtype).reshape(shape)
