"""Spreads fitted from performed work recover the distributions that made it, and a backtest
tells a calibrated band from an over-confident one."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import numpy as np
import pytest

from pricing.engine import compute_quote
from pricing.engine.calibration import RealizedMonth, backtest, calibrate
from pricing.engine.types import ChargeModel, CostCategory, CostLine, SimulationSettings, Volume

from . import D, component, quote


def lognormal(rng: np.random.Generator, mean: float, cv: float, size: int) -> np.ndarray:
    sigma2 = np.log1p(cv * cv)
    return mean * np.exp(rng.normal(-sigma2 / 2, np.sqrt(sigma2), size))


def test_performed_work_drawn_from_known_spreads_gives_them_back():
    rng = np.random.default_rng(20261207)
    months = []
    for deal in range(40):
        level = rng.uniform(500, 20000)  # deals of very different sizes
        quantities = np.round(lognormal(rng, level, 0.35, 24))
        for quantity in quantities:
            accepted = rng.binomial(int(quantity), 0.7)
            unit_cost = lognormal(rng, 0.04, 0.2, 1)[0]
            months.append(
                RealizedMonth(
                    deal,
                    D(int(quantity)),
                    D(int(accepted)),
                    {"model": Decimal(repr(round(float(unit_cost * quantity), 2)))},
                )
            )

    fitted = calibrate(months)

    # 40 deals x 24 months: the pooled estimate's spread over seeds is about +-0.02
    assert fitted.volume_cv.value == pytest.approx(D("0.35"), abs=D("0.035"))
    assert (fitted.volume_cv.months, fitted.volume_cv.deals) == (960, 40)
    assert fitted.cost_cv["model"].value == pytest.approx(D("0.20"), abs=D("0.03"))
    assert fitted.success_rate.value == pytest.approx(D("0.70"), abs=D("0.01"))
    assert D("0") < fitted.success_rate_sd < D("0.001")  # millions of tickets: the rate is known


def test_no_months_fit_nothing_and_say_so():
    fitted = calibrate([RealizedMonth(1, D("10"), D("5"), {})])
    assert (fitted.volume_cv.value, fitted.volume_cv.months) == (None, 0)  # one month tells no spread
    assert fitted.success_rate.value == D("0.5")  # (1 + 5) / (2 + 10)


# ---------------------------------------------------------------------------------------
# Backtest: 200 performed months against the band the deal was approved on

TRUE_VOLUME_CV, TRUE_COST_CV = 0.4, 0.3
PLATFORM = component("platform", ChargeModel.FLAT, "3000.00")
PER_TICKET = component("tickets", ChargeModel.PER_UNIT, "0.50")


def entered(volume_cv: float, cost_cv: float):
    return quote(
        PLATFORM,
        PER_TICKET,
        volumes=(Volume("ticket", D("10000"), Decimal(repr(volume_cv))),),
        cost_lines=(CostLine("ticket", CostCategory.MODEL, D("0.30"), Decimal(repr(cost_cv))),),
        simulation=SimulationSettings(draws=4096, seed=11),
    )


def realized_margins(count: int) -> list[Decimal]:
    """Months drawn from the true distributions, each priced exactly as it happened."""
    rng = np.random.default_rng(7)
    volumes = lognormal(rng, 10000, TRUE_VOLUME_CV, count)
    costs = lognormal(rng, 0.30, TRUE_COST_CV, count)
    margins = []
    for volume, cost in zip(volumes, costs, strict=True):
        month = dataclasses.replace(
            entered(0, 0),
            volumes=(Volume("ticket", Decimal(repr(round(float(volume), 2)))),),
            cost_lines=(CostLine("ticket", CostCategory.MODEL, Decimal(repr(round(float(cost), 6)))),),
            simulation=SimulationSettings(draws=1, seed=1),
        )
        margins.append(compute_quote(month).gross_margin)
    return margins


def band_check(volume_cv: float, cost_cv: float, realized: list[Decimal]):
    simulation = compute_quote(entered(volume_cv, cost_cv)).simulation
    band = (simulation.margin_p10, simulation.margin_p50, simulation.margin_p90)
    return backtest([(*band, margin) for margin in realized])


def test_a_correctly_specified_deal_holds_about_80_percent_of_its_months():
    check = band_check(TRUE_VOLUME_CV, TRUE_COST_CV, realized_margins(200))
    assert check.months == 200
    assert abs(check.coverage - D("0.80")) <= D("0.05")
    assert abs(check.bias) < D("0.02")


def test_a_deal_entered_with_half_the_true_spread_is_over_confident():
    check = band_check(TRUE_VOLUME_CV / 2, TRUE_COST_CV / 2, realized_margins(200))
    assert check.coverage < D("0.60")


def test_a_backtest_without_months_has_no_coverage():
    assert backtest([]).coverage is None
