"""Bad input is refused with every problem listed under the field it concerns."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest

from pricing.engine import EngineInputError, compute_quote, validate
from pricing.engine.types import (
    ChargeModel,
    CostCategory,
    CostLine,
    RiskAdjustment,
    RiskKind,
    RiskSelection,
    SimulationSettings,
    Tier,
    Volume,
)

from . import D, component, costs, quote, tiers


def refused(deal) -> dict[str, list[str]]:
    """The errors of a deal the engine refuses; the quote is refused the same way."""
    with pytest.raises(EngineInputError) as caught:
        validate(deal)
    with pytest.raises(EngineInputError) as again:
        compute_quote(deal)
    assert again.value.errors == caught.value.errors
    return caught.value.errors


def message(errors: dict[str, list[str]], field: str) -> str:
    assert field in errors, f"no error under {field!r}: {errors}"
    return " ".join(errors[field])


def per_ticket(**kwargs):
    return component("tickets", ChargeModel.PER_UNIT, "1.00", **kwargs)


def graduated(*spec):
    return component("usage", ChargeModel.GRADUATED, tiers=tiers(*spec))


# ---------------------------------------------------------------------------------------
# The brief's list


def test_a_negative_volume_is_refused():
    errors = refused(quote(per_ticket(), volumes={"ticket": "-1"}))
    assert "must not be negative (got -1)" in message(errors, "volumes[ticket].monthly_quantity")


def test_overlapping_tiers_are_refused():
    errors = refused(quote(graduated(("0", "1000", "1.00"), ("900", None, "0.80"))))
    text = message(errors, "components[usage].tiers")
    assert "tier 2 starts at 900 but must start at 1000" in text
    assert "overlap" in text


def test_gapped_tiers_are_refused():
    errors = refused(quote(graduated(("0", "1000", "1.00"), ("1100", None, "0.80"))))
    text = message(errors, "components[usage].tiers")
    assert "tier 2 starts at 1100 but must start at 1000" in text
    assert "gap" in text


def test_a_last_tier_that_is_not_open_ended_is_refused():
    errors = refused(quote(graduated(("0", "1000", "1.00"), ("1000", "5000", "0.80"))))
    assert "last tier must be open-ended" in message(errors, "components[usage].tiers")


def test_volume_tiers_are_checked_like_graduated_ones():
    volume = component("usage", ChargeModel.VOLUME, tiers=tiers(("100", None, "1.00")))
    errors = refused(quote(volume))
    assert "tier 1 starts at 100 but must start at 0" in message(errors, "components[usage].tiers")


def test_a_deal_in_another_currency_than_its_plan_is_refused():
    errors = refused(quote(per_ticket(), currency="USD", plan_currency="EUR"))
    assert "the deal is in USD but the plan is priced in EUR" in message(errors, "currency")


def test_pricing_in_the_cost_unit_is_refused():
    # A ticket's cost unit is the token: a price per token is a cost-plus price by accident.
    errors = refused(quote(per_ticket(billed_unit="token")))
    text = message(errors, "components[tickets].billed_unit")
    assert "prices the cost unit 'token'" in text
    assert "price the value unit 'resolved ticket' instead" in text


@pytest.mark.parametrize(
    ("where", "field"),
    [
        ("amount", "components[0].amount"),
        ("tier", "components[0].tiers[1].unit_price"),
        ("volume", "volumes[0].monthly_quantity"),
        ("cost", "cost_lines[0].unit_cost"),
        ("discount", "discount_pct"),
        ("seats", "seats"),
        ("risk", "risk_adjustments[0].price_uplift_pct"),
    ],
)
def test_a_float_anywhere_in_the_input_is_refused(where, field):
    price = graduated(("0", "1000", "1.00"), ("1000", None, "0.80"))
    deal = quote(price, volumes={"ticket": "10"}, cost_lines=costs("ticket", "1", "0", "0", "0"))
    if where == "amount":
        deal = dataclasses.replace(deal, components=(dataclasses.replace(price, amount=2.5),))
    elif where == "tier":
        bad_tiers = (price.tiers[0], Tier(D("1000"), None, 0.8))
        deal = dataclasses.replace(deal, components=(dataclasses.replace(price, tiers=bad_tiers),))
    elif where == "volume":
        deal = dataclasses.replace(deal, volumes=(Volume("ticket", 10.0),))
    elif where == "cost":
        deal = dataclasses.replace(deal, cost_lines=(CostLine("ticket", CostCategory.MODEL, 0.38),))
    elif where == "discount":
        deal = dataclasses.replace(deal, discount_pct=12.5)
    elif where == "seats":
        deal = dataclasses.replace(deal, seats=3.0)
    else:
        deal = dataclasses.replace(deal, risk_adjustments=(RiskAdjustment(RiskKind.INDEMNITY, "yes", 10.0),))
    errors = refused(deal)
    assert list(errors) == [field]
    assert "must be a Decimal, not a float" in message(errors, field)


def test_a_discount_over_100_percent_is_refused():
    errors = refused(quote(per_ticket(), discount_pct=D("100.01")))
    assert "must be between 0 and 100 (got 100.01)" in message(errors, "discount_pct")


def test_a_negative_discount_is_refused():
    errors = refused(quote(per_ticket(), discount_pct=D("-5")))
    assert "must be between 0 and 100" in message(errors, "discount_pct")


def test_a_package_of_zero_units_is_refused():
    pack = component("pack", ChargeModel.PACKAGE, "400.00", package_size=D("0"))
    errors = refused(quote(pack))
    assert "must be greater than zero" in message(errors, "components[pack].package_size")


def test_a_success_rate_above_one_is_refused():
    outcome = component("outcome", ChargeModel.OUTCOME, "12.00", success_rate=D("1.2"))
    errors = refused(quote(outcome))
    assert "must be between 0 and 1" in message(errors, "components[outcome].success_rate")


# ---------------------------------------------------------------------------------------
# More of what a deal desk would expect to be caught


@pytest.mark.parametrize(
    ("tier_spec", "expected"),
    [
        ((("0", "1000", "1.00"), ("1000", "1000", "0.80"), ("1000", None, "0.5")), "not above"),
        ((("0", None, "1.00"), ("1000", None, "0.80")), "open-ended but is not the last"),
        ((("0", None, "-1.00"),), "negative price"),
        ((("0", None, "1.00", "-5"),), "negative price"),
        ((), "at least one tier"),
    ],
)
def test_malformed_tiers_are_refused(tier_spec, expected):
    errors = refused(quote(graduated(*tier_spec)))
    assert expected in message(errors, "components[usage].tiers")


def test_a_metered_price_must_name_a_known_work_unit():
    errors = refused(quote(per_ticket(work_unit="widget")))
    assert "known work unit" in message(errors, "components[tickets].work_unit")


def test_a_price_must_bill_the_work_units_value_unit():
    errors = refused(quote(per_ticket(billed_unit="conversation")))
    assert "value unit is 'resolved ticket'" in message(errors, "components[tickets].billed_unit")


def test_billing_the_value_unit_is_accepted():
    validate(quote(per_ticket(billed_unit="resolved ticket")))
    result = compute_quote(quote(per_ticket(billed_unit="resolved ticket"), volumes={"ticket": "3"}))
    assert result.list_monthly == D("3.00")


def test_a_volume_of_an_unknown_work_unit_is_refused():
    errors = refused(quote(per_ticket(), volumes={"widget": "10"}))
    assert "unknown work unit 'widget'" in message(errors, "volumes[widget]")


def test_two_volumes_for_one_work_unit_are_refused():
    deal = quote(per_ticket(), volumes=(Volume("ticket", D("10")), Volume("ticket", D("20"))))
    assert "one expected volume per work unit" in message(refused(deal), "volumes[ticket]")


def test_a_cost_line_of_an_unknown_work_unit_is_refused():
    errors = refused(quote(per_ticket(), cost_lines=costs("widget", "1", "0", "0", "0")))
    assert "unknown work unit 'widget'" in message(errors, "cost_lines[widget.model]")


def test_a_negative_cost_is_refused():
    errors = refused(quote(per_ticket(), cost_lines=costs("ticket", "-0.38", "0", "0", "0")))
    assert "must not be negative" in message(errors, "cost_lines[ticket.model].unit_cost")


def test_component_codes_must_be_unique():
    errors = refused(quote(per_ticket(), per_ticket()))
    assert "must be unique" in message(errors, "components[tickets]")


@pytest.mark.parametrize(
    ("change", "field", "expected"),
    [
        ({"seats": D("-1")}, "seats", "must not be negative"),
        ({"fixed_monthly_cost": D("-100")}, "fixed_monthly_cost", "must not be negative"),
        ({"term_months": 0}, "term_months", "at least one month"),
        ({"simulation": SimulationSettings(draws=0)}, "simulation.draws", "between 1 and"),
        (
            {"simulation": SimulationSettings(draws=1_000_001)},
            "simulation.draws",
            "between 1 and 1000000",
        ),
        ({"simulation": SimulationSettings(seed=-1)}, "simulation.seed", "not be negative"),
        (
            {"simulation": SimulationSettings(histogram_bins=0)},
            "simulation.histogram_bins",
            "at least one",
        ),
    ],
)
def test_deal_terms_out_of_range_are_refused(change, field, expected):
    errors = refused(dataclasses.replace(quote(per_ticket()), **change))
    assert expected in message(errors, field)


def test_a_deal_with_more_cost_lines_than_the_simulation_takes_is_refused():
    lines = tuple(CostLine("tickets", CostCategory.MODEL, D("0.01")) for _ in range(1001))
    errors = refused(quote(per_ticket(), volumes={"tickets": "100"}, cost_lines=lines))
    assert "at most 1000 (got 1001)" in message(errors, "cost_lines")
    assert "volumes" not in errors


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"amount": D("-1")}, "components[outcome].amount"),
        ({"included_quantity": D("-1")}, "components[outcome].included_quantity"),
        ({"success_rate": D("-0.1")}, "components[outcome].success_rate"),
        ({"success_rate_sd": D("-0.1")}, "components[outcome].success_rate_sd"),
        ({"cap_per_period": D("-1")}, "components[outcome].cap_per_period"),
    ],
)
def test_negative_outcome_terms_are_refused(change, field):
    outcome = component("outcome", ChargeModel.OUTCOME, "12.00", success_rate=D("0.5"))
    errors = refused(quote(dataclasses.replace(outcome, **change)))
    assert "must" in message(errors, field)


def test_a_number_that_is_not_finite_is_refused():
    errors = refused(quote(per_ticket(), volumes={"ticket": "NaN"}))
    assert "must be a finite number" in message(errors, "volumes[0].monthly_quantity")
    errors = refused(quote(per_ticket(), discount_pct=Decimal("Infinity")))
    assert "must be a finite number" in message(errors, "discount_pct")


def test_a_plain_string_where_an_enum_belongs_is_refused():
    # "flat" from a database column would otherwise be charged as nothing at all.
    flat = dataclasses.replace(component("platform", ChargeModel.FLAT, "100"), charge_model="flat")
    bad_cost = CostLine("ticket", "model", D("1"))
    bad_risk = RiskAdjustment("indemnity", "yes", price_uplift_pct=D("10"))
    errors = refused(
        quote(
            flat,
            volumes={"ticket": "1"},
            cost_lines=(bad_cost,),
            risk_adjustments=(bad_risk,),
        )
    )
    assert "must be a ChargeModel member" in message(errors, "components[0].charge_model")
    assert "must be a CostCategory member" in message(errors, "cost_lines[0].category")
    assert "must be a RiskKind member" in message(errors, "risk_adjustments[0].kind")


@pytest.mark.parametrize(
    ("adjustment", "field", "expected"),
    [
        (
            RiskAdjustment(RiskKind.CONFIDENCE_TIER, "high", discount_pct=D("150")),
            "risk_adjustments[confidence_tier.high].discount_pct",
            "between 0 and 100",
        ),
        (
            RiskAdjustment(RiskKind.INDEMNITY, "yes", price_uplift_pct=D("-10")),
            "risk_adjustments[indemnity.yes].price_uplift_pct",
            "must not be negative",
        ),
        (
            RiskAdjustment(RiskKind.COMPLIANCE_TIER, "regulated", fee=D("-300")),
            "risk_adjustments[compliance_tier.regulated].fee",
            "must not be negative",
        ),
        (
            RiskAdjustment(RiskKind.REVIEW_LEVEL, "full", human_review_cost_multiplier=D("-2")),
            "risk_adjustments[review_level.full].human_review_cost_multiplier",
            "must not be negative",
        ),
    ],
)
def test_risk_adjustments_out_of_range_are_refused(adjustment, field, expected):
    errors = refused(quote(per_ticket(), risk_adjustments=(adjustment,)))
    assert expected in message(errors, field)


def test_chosen_risk_discounts_over_100_percent_in_total_are_refused():
    # Each is within range, but together they would make the list price negative.
    adjustments = (
        RiskAdjustment(RiskKind.CONFIDENCE_TIER, "high", discount_pct=D("60")),
        RiskAdjustment(RiskKind.REVIEW_LEVEL, "none", discount_pct=D("50")),
    )
    selection = RiskSelection(confidence_tier="high")
    errors = refused(quote(per_ticket(), risk_adjustments=adjustments, risk_selection=selection))
    assert "discount 110% in total" in message(errors, "risk_selection")


def test_every_problem_is_reported_at_once():
    pack = component("pack", ChargeModel.PACKAGE, "400.00", package_size=D("0"))
    errors = refused(
        quote(
            pack,
            volumes={"ticket": "-5"},
            currency="USD",
            discount_pct=D("120"),
        )
    )
    assert set(errors) == {
        "currency",
        "discount_pct",
        "volumes[ticket].monthly_quantity",
        "components[pack].package_size",
    }
    assert "discount_pct: must be between 0 and 100" in str(
        EngineInputError({"discount_pct": errors["discount_pct"]})
    )


def test_a_cost_line_found_clean_in_one_quote_is_still_checked_where_it_is_not():
    # The engine remembers, by identity, the shared values it found clean: a NaN in another cost
    # line, or a refused field beside a remembered one, is still reported.
    line = CostLine("ticket", CostCategory.MODEL, D("0.38"))
    clean = quote(per_ticket(), volumes={"ticket": "10"}, cost_lines=(line,))
    validate(clean)
    nan = CostLine("ticket", CostCategory.INFRA, Decimal("NaN"))
    errors = refused(dataclasses.replace(clean, cost_lines=(line, nan), discount_pct=2.5))
    assert set(errors) == {"cost_lines[1].unit_cost", "discount_pct"}
