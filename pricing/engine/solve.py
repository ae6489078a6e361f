"""The least amount, in whole minor units (cents unless told), that makes a monotone condition hold.

The advisor's fixes (a seat price, a commitment, a fee, a price per task) are each the least
amount for which the engine itself, run on the changed input, says the condition holds. The
search evaluates only whole minor units of the currency (yen, cents, fils) and never a negative
amount.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import ROUND_CEILING, Decimal

from .money import minor_unit


def least_cents(start: Decimal, holds: Callable[[Decimal], bool], places: int = 2) -> Decimal:
    """The least amount in minor units of `places` decimals, zero or more, for which `holds` is true.

    `holds` must be monotone (false below some amount, true from it on) and true for some
    amount: the search walks from `start` with doubling steps, then halves the bracket.
    """

    def at(cents: int) -> bool:
        return holds(Decimal(cents).scaleb(-places))

    cents = max(int(start.quantize(minor_unit(places), rounding=ROUND_CEILING).scaleb(places)), 0)
    step = 1
    if at(cents):
        high, low = cents, cents - step
        while low >= 0 and at(low):
            high, step = low, step * 2
            low = high - step
        low = max(low, -1)  # -1: nothing below zero is tried, so zero may be the answer
    else:
        low, high = cents, cents + step
        while not at(high):
            low, step = high, step * 2
            high = low + step
    while high - low > 1:
        middle = (low + high) // 2
        if at(middle):
            high = middle
        else:
            low = middle
    return Decimal(high).scaleb(-places)
