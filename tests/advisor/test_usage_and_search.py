"""Usage percentiles in Decimal agree with the simulation's own draws; the cent search is exact."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pricing.engine import compute_quote
from pricing.engine.solve import least_cents
from pricing.engine.types import ChargeModel, Volume
from pricing.engine.usage import Z_P50, Z_P90, at_usage, lognormal_quantile
from tests.engine import D, component, quote


def test_the_median_of_usage_sits_below_its_mean_and_a_constant_volume_stays_put():
    assert lognormal_quantile(D("1000"), D("0.3"), Z_P50) == (D("1000") / D("1.09").sqrt()).quantize(
        D("0.0001")
    )
    assert lognormal_quantile(D("1000"), D("0"), Z_P90) == D("1000")
    assert lognormal_quantile(D("0"), D("0.5"), Z_P90) == D("0")


@pytest.mark.parametrize("cv", ["0.2", "0.6", "1.2"])
def test_usage_percentiles_match_the_simulated_bill_of_a_one_per_unit_price(cv):
    # A price of 1 per ticket makes the simulated bill the simulated volume.
    q = quote(
        component("tickets", ChargeModel.PER_UNIT, "1"),
        volumes=(Volume("ticket", D("5000"), D(cv)),),
        draws=200_000,
        seed=3,
    )
    sim = compute_quote(q).simulation
    median = at_usage(q, Z_P50).volumes[0].monthly_quantity
    heavy = at_usage(q, Z_P90).volumes[0].monthly_quantity
    assert abs(sim.bill_p50 / median - 1) < D("0.01")
    assert abs(sim.bill_p90 / heavy - 1) < D("0.01")


@given(
    target=st.integers(min_value=0, max_value=10_000_000),
    start=st.integers(min_value=-500, max_value=20_000_000),
)
def test_least_cents_finds_the_first_amount_that_holds_from_any_start(target, start):
    threshold = Decimal(target).scaleb(-2)
    assert least_cents(Decimal(start).scaleb(-2), lambda amount: amount >= threshold) == threshold


def test_least_cents_never_tries_a_negative_amount():
    tried = []

    def holds(amount: Decimal) -> bool:
        tried.append(amount)
        return True

    assert least_cents(D("3.00"), holds) == D("0")
    assert min(tried) == 0
