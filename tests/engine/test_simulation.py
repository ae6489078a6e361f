"""The seeded quasi-Monte Carlo: margin and the customer's bill under uncertain usage."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from pricing.engine import simulation
from pricing.engine.quote import compute_quote
from pricing.engine.simulation import beta_rates, factors, uniforms
from pricing.engine.types import ChargeModel, SimulationSettings, Volume

from . import D, component, costs, quote
from .test_quote import hybrid_deal


def chapter_quote(cv: str = "0", draws: int = 500, seed: int = 1, **kwargs):
    """2.50 per ticket over 10,000 tickets with the chapter's costs (margin 0.70)."""
    return quote(
        component("tickets", ChargeModel.PER_UNIT, "2.50"),
        volumes=(Volume("ticket", D("10000"), D(cv)),),
        cost_lines=costs("ticket", "0.38", "0.07", "0.20", "0.10", cv=cv),
        simulation=SimulationSettings(draws=draws, seed=seed),
        **kwargs,
    )


def test_the_same_seed_gives_the_same_distribution():
    first = compute_quote(hybrid_deal()).simulation
    second = compute_quote(hybrid_deal()).simulation
    assert first == second
    assert (first.draws, first.seed) == (2000, 42)


def test_a_different_seed_gives_a_different_distribution():
    seed_42 = compute_quote(hybrid_deal()).simulation
    seed_43 = compute_quote(hybrid_deal(simulation=SimulationSettings(2000, 43))).simulation
    assert seed_42.histogram_counts != seed_43.histogram_counts
    assert (seed_42.margin_p50, seed_42.bill_p50) != (seed_43.margin_p50, seed_43.bill_p50)


def test_a_certain_deal_simulates_to_its_exact_figures():
    # No variability: every draw is the exact quote, margin 0.70 and a bill of 25,000.00.
    simulation = compute_quote(chapter_quote(margin_floor=D("0.65"))).simulation
    assert simulation.margin_p10 == simulation.margin_p50 == simulation.margin_p90 == D("0.7000")
    assert simulation.bill_p10 == simulation.bill_p50 == simulation.bill_p90 == D("25000.00")
    assert simulation.probability_below_floor == D("0.0000")


def test_a_certain_bill_is_reported_half_up_like_the_quote():
    # 2 x 0.0125 = 0.025 -> 0.03 on the quote, and 0.03 in every simulated month.
    per_call = component("calls", ChargeModel.PER_UNIT, "0.0125")
    result = compute_quote(quote(per_call, volumes={"ticket": "2"}, draws=10))
    assert result.net_monthly == D("0.03")
    assert result.simulation.bill_p10 == result.simulation.bill_p90 == D("0.03")


def test_a_certain_deal_under_its_floor_is_below_it_in_every_draw():
    simulation = compute_quote(chapter_quote(margin_floor=D("0.75"))).simulation
    assert simulation.probability_below_floor == D("1.0000")


def test_an_uncertain_deal_spreads_margin_and_bill():
    simulation = compute_quote(hybrid_deal()).simulation
    assert simulation.margin_p10 < simulation.margin_p50 < simulation.margin_p90
    assert D("0") < simulation.probability_below_floor < D("1")
    # The 6,000.00 commitment sits above the expected 5,000.00 of metered usage, so most
    # months bill exactly the committed 8,245.00 net and only busy months bill more.
    assert simulation.bill_p10 == simulation.bill_p50 == D("8245.00")
    assert simulation.bill_p90 > D("8245.00")


def test_the_histogram_counts_every_draw():
    simulation = compute_quote(chapter_quote(cv="0.3", draws=1000)).simulation
    assert sum(simulation.histogram_counts) == 1000
    assert len(simulation.histogram_counts) == 20  # the default bins
    assert len(simulation.histogram_edges) == 21
    assert list(simulation.histogram_edges) == sorted(simulation.histogram_edges)


def test_a_commitment_puts_a_floor_under_the_customers_bill():
    # However few tickets are used, the bill is at least the 20,000.00 commitment.
    commitment = component("commit", ChargeModel.MINIMUM_COMMITMENT, "20000.00")
    deal = quote(
        component("tickets", ChargeModel.PER_UNIT, "2.50"),
        commitment,
        volumes=(Volume("ticket", D("10000"), D("0.5")),),
        simulation=SimulationSettings(draws=1000, seed=3),
    )
    simulation = compute_quote(deal).simulation
    assert simulation.bill_p10 == D("20000.00")
    assert simulation.bill_p90 > D("20000.00")


def test_an_outcome_cap_puts_a_ceiling_on_the_customers_bill():
    capped = component(
        "outcome",
        ChargeModel.OUTCOME,
        "10.00",
        success_rate=D("0.6"),
        success_rate_sd=D("0.15"),
        cap_per_period=D("6500.00"),
    )
    deal = quote(
        capped,
        volumes=(Volume("ticket", D("1000"), D("0.4")),),
        simulation=SimulationSettings(draws=1000, seed=5),
    )
    simulation = compute_quote(deal).simulation
    assert simulation.bill_p90 == D("6500.00")
    assert simulation.bill_p10 < D("6000.00")  # expected bill 1,000 x 0.6 x 10.00


def test_an_uncertain_success_rate_alone_makes_the_outcome_bill_vary():
    outcome = component(
        "outcome", ChargeModel.OUTCOME, "10.00", success_rate=D("0.6"), success_rate_sd=D("0.1")
    )
    deal = quote(outcome, volumes={"ticket": "1000"}, draws=1000)
    simulation = compute_quote(deal).simulation
    assert simulation.bill_p10 < D("6000.00") < simulation.bill_p90


def test_work_that_earns_nothing_is_reported_at_the_margin_clip():
    # Cost with no price: the margin is shown at -10 rather than minus infinity.
    deal = quote(volumes={"ticket": "100"}, cost_lines=costs("ticket", "1", "0", "0", "0"))
    simulation = compute_quote(deal).simulation
    assert simulation.margin_p50 == D("-10.0000")
    assert simulation.bill_p50 == D("0.00")


def test_lognormal_draws_have_the_requested_mean_and_variation():
    draws = 1000 * factors(0, 200_000, 0, D("0.3"))
    assert abs(draws.mean() - 1000) < 5  # within 0.5%
    assert abs(draws.std() / draws.mean() - 0.3) < 0.005
    # A certain mean is drawn as itself.
    assert factors(0, 3, None, D("0")) == 1


def test_beta_success_rates_have_the_requested_mean_and_stay_in_range():
    draws = beta_rates(0, 200_000, 0, D("0.6"), D("0.1"))
    assert abs(draws.mean() - 0.6) < 0.002
    assert abs(draws.std() - 0.1) < 0.002
    assert draws.min() >= 0 and draws.max() <= 1
    # An impossible spread (sd^2 >= m(1 - m)) falls back to the constant rate.
    assert beta_rates(0, 3, 0, D("0.6"), D("0.6")) == 0.6


def test_drawn_arrays_are_shared_and_cannot_be_changed_by_a_quote():
    first = factors(9, 100, 0, D("0.3"))
    assert np.array_equal(first, factors(9, 100, 0, D("0.3")))
    with pytest.raises(ValueError):
        first[0] = 1.0
    with pytest.raises(ValueError):
        beta_rates(9, 100, 0, D("0.6"), D("0.1"))[0] = 1.0
    assert not np.array_equal(first, factors(9, 100, 1, D("0.3")))


def test_deals_are_compared_on_the_same_simulated_months():
    # Common random numbers: the same volume uncertainty moves both deals the same way, so
    # twice the volume at the same price doubles the bill in every percentile.
    small = compute_quote(chapter_quote(cv="0.3", draws=2000)).simulation
    large = compute_quote(
        quote(
            component("tickets", ChargeModel.PER_UNIT, "2.50"),
            volumes=(Volume("ticket", D("20000"), D("0.3")),),
            cost_lines=costs("ticket", "0.38", "0.07", "0.20", "0.10", cv="0.3"),
            simulation=SimulationSettings(draws=2000, seed=1),
        )
    ).simulation
    for p in ("bill_p10", "bill_p50", "bill_p90"):
        assert abs(getattr(large, p) - 2 * getattr(small, p)) <= D("0.01")
    assert (large.margin_p10, large.margin_p50, large.margin_p90) == (
        small.margin_p10,
        small.margin_p50,
        small.margin_p90,
    )


def test_the_figures_without_histogram_are_the_same_figures():
    full = compute_quote(hybrid_deal())
    lean = compute_quote(hybrid_deal(), histogram=False)
    assert lean.simulation.histogram_counts == ()
    assert (
        dataclasses.replace(
            lean.simulation,
            histogram_edges=full.simulation.histogram_edges,
            histogram_counts=full.simulation.histogram_counts,
        )
        == full.simulation
    )


def test_each_input_draws_once_from_every_slice_of_its_range():
    # The sequence's points are balanced: 4,096 of them put one draw in each 4,096th of (0, 1),
    # where random draws leave some slices empty and others crowded.
    for coordinate in range(4):
        cells = np.floor(uniforms(20261125, 4096, coordinate) * 4096)
        assert np.array_equal(np.sort(cells), np.arange(4096))


def test_two_inputs_draw_once_from_every_cell_of_their_grid():
    # The first two inputs together: one draw in each of the 64 x 64 cells of the unit square.
    first, second = (np.floor(uniforms(7, 4096, coordinate) * 64) for coordinate in (0, 1))
    assert len(set(zip(first.tolist(), second.tolist(), strict=True))) == 64 * 64


@pytest.fixture
def random_draws(monkeypatch):
    """Switches the engine to independent random draws when called (plain Monte Carlo); the bank
    drawn from either source is forgotten afterwards, whatever happens."""

    def switch() -> None:
        monkeypatch.setattr(
            simulation,
            "uniforms",
            lambda seed, draws, coordinate: np.random.default_rng([seed, coordinate]).random(draws),
        )
        simulation.forget_draws()

    yield switch
    monkeypatch.undo()
    simulation.forget_draws()


def test_the_draws_come_closer_to_the_true_figures_than_as_many_random_draws(random_draws):
    # The chapter's deal with an uncertain volume and uncertain costs, over 24 seeds: the margin's
    # P10 and P50 and the probability below a 0.69 floor, against their values at 2^18 draws.
    names = ("margin_p10", "margin_p50", "probability_below_floor")

    def figures(draws: int, seed: int) -> np.ndarray:
        deal = chapter_quote(cv="0.3", draws=draws, seed=seed, margin_floor=D("0.69"))
        result = compute_quote(deal, histogram=False).simulation
        return np.array([float(getattr(result, name)) for name in names])

    truth = figures(1 << 18, 0)

    def error(draws: int) -> np.ndarray:
        return np.sqrt(np.mean([(figures(draws, seed) - truth) ** 2 for seed in range(1, 25)], axis=0))

    sequence = error(2048)
    random_draws()
    random = error(2048)
    assert (sequence < random).all(), dict(zip(names, zip(sequence, random, strict=True), strict=True))
