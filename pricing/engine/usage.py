"""Usage at a percentile of the simulation's own distribution, in exact Decimal.

The simulation draws each volume from a lognormal with the given mean and coefficient of
variation (mu = ln(mean) - sigma^2 / 2, sigma^2 = ln(1 + cv^2)). Its quantile at the standard
normal score z is mean / sqrt(1 + cv^2) * exp(z * sigma): the median (z = 0) sits below the mean.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import ROUND_HALF_UP, Decimal

from .money import ONE, ZERO
from .types import QuoteInput, SimulationSettings

# Standard normal scores of the 50th and 90th percentiles.
Z_P50 = ZERO
Z_P90 = Decimal("1.2815515655446004")
# Volumes are kept to the precision the catalog stores them with.
QUANTITY_STEP = Decimal("0.0001")


def lognormal_quantile(mean: Decimal, cv: Decimal, z: Decimal) -> Decimal:
    if mean <= 0:
        return ZERO
    if cv <= 0:
        return mean
    spread = ONE + cv * cv
    value = mean / spread.sqrt() * (z * spread.ln().sqrt()).exp()
    return value.quantize(QUANTITY_STEP, rounding=ROUND_HALF_UP)


def at_usage(quote: QuoteInput, z: Decimal) -> QuoteInput:
    """The same deal with every volume fixed at its quantile for `z`."""
    return replace(
        quote,
        volumes=tuple(
            replace(v, monthly_quantity=lognormal_quantile(v.monthly_quantity, v.cv, z), cv=ZERO)
            for v in quote.volumes
        ),
    )


def exact_only(quote: QuoteInput) -> QuoteInput:
    """The same input with a one-draw simulation, for callers that read only the exact figures."""
    return replace(
        quote, simulation=SimulationSettings(draws=1, seed=quote.simulation.seed, histogram_bins=1)
    )
