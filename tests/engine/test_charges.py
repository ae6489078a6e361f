"""Every charge model at its boundaries, one exact Decimal line total at a time."""

from __future__ import annotations

import pytest

from pricing.engine.charges import charge_amount, graduated_amount, volume_amount
from pricing.engine.money import EngineInputError
from pricing.engine.types import ChargeModel

from . import D, charge, component, tiers

# ---------------------------------------------------------------------------------------
# Access: flat platform fee and seats


def test_a_platform_fee_is_the_same_whatever_the_usage():
    platform = component("platform", ChargeModel.FLAT, "1500.00")
    assert charge(platform, "0") == D("1500.00")
    assert charge(platform, "1000000") == D("1500.00")


def test_a_flat_fee_is_rounded_to_cents_half_up():
    # 99.995 is half a cent: HALF_UP gives 100.00.
    assert charge(component("platform", ChargeModel.FLAT, "99.995"), "0") == D("100.00")


def test_seats_are_charged_per_seat():
    seat = component("seat", ChargeModel.PER_SEAT, "45.00")
    assert charge(seat, "0", seats="12") == D("540.00")  # 12 x 45.00
    assert charge(seat, "0", seats="1") == D("45.00")
    assert charge(seat, "0", seats="0") == D("0.00")


def test_a_seat_price_ignores_the_usage_volume():
    seat = component("seat", ChargeModel.PER_SEAT, "45.00")
    assert charge(seat, "999999", seats="3") == D("135.00")  # 3 x 45.00


# ---------------------------------------------------------------------------------------
# Usage: per unit


def test_each_resolved_ticket_is_charged_at_the_unit_price():
    per_ticket = component("tickets", ChargeModel.PER_UNIT, "0.85")
    assert charge(per_ticket, "1000") == D("850.00")  # 1000 x 0.85
    assert charge(per_ticket, "1") == D("0.85")
    assert charge(per_ticket, "0") == D("0.00")


def test_fractional_hours_are_charged_for_the_fraction():
    per_hour = component("hours", ChargeModel.PER_UNIT, "120.00", work_unit="hour")
    assert charge(per_hour, "99.5") == D("11940.00")  # 99.5 x 120.00
    assert charge(per_hour, "0.25") == D("30.00")  # 0.25 x 120.00


def test_a_sub_cent_unit_price_is_kept_to_six_places_until_the_line_total():
    # 0.004567 x 1000 = 4.567 -> 4.57; rounding the unit price first would give 0.00 x 1000.
    per_token_like = component("pages", ChargeModel.PER_UNIT, "0.004567")
    assert charge(per_token_like, "1000") == D("4.57")


# ---------------------------------------------------------------------------------------
# Usage: packages of N units, partial packages round up


@pytest.mark.parametrize(
    ("tickets", "expected"),
    [
        ("0", "0.00"),  # no usage, no package
        ("1", "400.00"),  # one ticket opens a whole package
        ("499", "400.00"),
        ("500", "400.00"),  # exactly N: one package
        ("501", "800.00"),  # N + 1: a second package
        ("1000", "800.00"),  # exactly 2N
        ("1000.5", "1200.00"),  # 2.001 packages round up to 3
    ],
)
def test_tickets_are_sold_in_packs_of_500_and_a_started_pack_is_a_whole_pack(tickets, expected):
    pack = component("pack", ChargeModel.PACKAGE, "400.00", package_size=D("500"))
    assert charge(pack, tickets) == D(expected)


def test_a_package_of_fractional_size_counts_packages_exactly():
    # 0.1-hour packages at 5.00: 1.1 hours is exactly 11 packages (a float would say 11.000..02).
    pack = component("pack", ChargeModel.PACKAGE, "5.00", work_unit="hour", package_size=D("0.1"))
    assert charge(pack, "1.1") == D("55.00")
    assert charge(pack, "1.11") == D("60.00")  # 11.1 packages -> 12


def test_included_tickets_come_before_the_first_package():
    pack = component(
        "pack",
        ChargeModel.PACKAGE,
        "400.00",
        package_size=D("500"),
        included_quantity=D("100"),
    )
    assert charge(pack, "100") == D("0.00")  # all included
    assert charge(pack, "600") == D("400.00")  # 500 billable: one package
    assert charge(pack, "601") == D("800.00")  # 501 billable: two packages


# ---------------------------------------------------------------------------------------
# Usage: graduated tiers -- each tier's rate applies to the units inside it

# (0, 1000] at 1.00; (1000, 5000] at 0.80; (5000, open) at 0.50
TICKET_TIERS = tiers(("0", "1000", "1.00"), ("1000", "5000", "0.80"), ("5000", None, "0.50"))


@pytest.mark.parametrize(
    ("tickets", "expected"),
    [
        ("0", "0.00"),
        ("1", "1.00"),
        ("999", "999.00"),  # 999 x 1.00
        ("1000", "1000.00"),  # the first tier is full: 1000 x 1.00
        ("1001", "1000.80"),  # the 1,001st ticket at the second tier's rate
        ("4999", "4199.20"),  # 1000 + 3999 x 0.80 = 1000 + 3199.20
        ("5000", "4200.00"),  # 1000 + 4000 x 0.80
        ("5001", "4200.50"),  # + one ticket at 0.50
        ("10000", "6700.00"),  # 4200 + 5000 x 0.50
    ],
)
def test_a_graduated_plan_prices_each_ticket_at_the_rate_of_its_tier(tickets, expected):
    graduated = component("usage", ChargeModel.GRADUATED, tiers=TICKET_TIERS)
    assert charge(graduated, tickets) == D(expected)


def test_a_graduated_plan_charges_the_1001st_ticket_at_the_second_tiers_rate():
    graduated = component("usage", ChargeModel.GRADUATED, tiers=TICKET_TIERS)
    assert charge(graduated, "1001") - charge(graduated, "1000") == D("0.80")
    assert charge(graduated, "1000") - charge(graduated, "999") == D("1.00")
    assert charge(graduated, "5001") - charge(graduated, "5000") == D("0.50")


def test_a_graduated_plan_splits_a_fractional_hour_across_the_tier_edge():
    # Expert hours: (0, 100] at 150.00, (100, open) at 120.00.
    hours = component(
        "hours",
        ChargeModel.GRADUATED,
        work_unit="hour",
        tiers=tiers(("0", "100", "150.00"), ("100", None, "120.00")),
    )
    assert charge(hours, "99.5") == D("14925.00")  # 99.5 x 150
    assert charge(hours, "100") == D("15000.00")  # 100 x 150
    assert charge(hours, "100.5") == D("15060.00")  # 15000 + 0.5 x 120


def test_a_graduated_tier_charges_its_flat_fee_once_it_is_entered():
    # (0, 1000]: 0.00 per ticket but a 500.00 fee; (1000, open): 0.40 per ticket plus 250.00.
    with_fees = component(
        "usage",
        ChargeModel.GRADUATED,
        tiers=tiers(("0", "1000", "0.00", "500.00"), ("1000", None, "0.40", "250.00")),
    )
    assert charge(with_fees, "0") == D("0.00")  # no tier entered
    assert charge(with_fees, "1") == D("500.00")
    assert charge(with_fees, "1000") == D("500.00")  # still in the first tier
    assert charge(with_fees, "1001") == D("750.40")  # 500 + 250 + 1 x 0.40


def test_included_tickets_are_taken_off_before_the_graduated_tiers():
    graduated = component("usage", ChargeModel.GRADUATED, tiers=TICKET_TIERS, included_quantity=D("200"))
    assert charge(graduated, "200") == D("0.00")
    assert charge(graduated, "1200") == D("1000.00")  # 1000 billable, all in tier 1
    assert charge(graduated, "1201") == D("1000.80")  # the 1,001st billable ticket


def test_graduated_amount_is_exact_before_rounding():
    # 1000.5 units: 1000 x 1.00 + 0.5 x 0.80 = 1000.40 exactly.
    assert graduated_amount(TICKET_TIERS, D("1000.5")) == D("1000.400")


# ---------------------------------------------------------------------------------------
# Usage: volume tiers -- the tier the total lands in prices every unit


@pytest.mark.parametrize(
    ("tickets", "expected"),
    [
        ("0", "0.00"),
        ("999", "999.00"),  # 999 x 1.00
        ("1000", "1000.00"),  # 1000 is inside (0, 1000]: 1000 x 1.00
        ("1001", "800.80"),  # every ticket at 0.80: 1001 x 0.80
        ("5000", "4000.00"),  # 5000 x 0.80
        ("5001", "2500.50"),  # 5001 x 0.50
        ("99.5", "99.50"),  # fractional volume, first tier
    ],
)
def test_a_volume_plan_prices_every_ticket_at_the_tier_the_total_lands_in(tickets, expected):
    volume = component("usage", ChargeModel.VOLUME, tiers=TICKET_TIERS)
    assert charge(volume, tickets) == D(expected)


def test_a_volume_plan_can_charge_less_for_one_more_ticket():
    # The cliff a volume plan is known for: 1,001 tickets cost 199.20 less than 1,000.
    volume = component("usage", ChargeModel.VOLUME, tiers=TICKET_TIERS)
    assert charge(volume, "1000") - charge(volume, "1001") == D("199.20")


def test_a_volume_tier_adds_only_the_flat_fee_of_the_tier_the_total_lands_in():
    volume = component(
        "usage",
        ChargeModel.VOLUME,
        tiers=tiers(("0", "1000", "1.00", "100.00"), ("1000", None, "0.80", "50.00")),
    )
    assert charge(volume, "0") == D("0.00")
    assert charge(volume, "1000") == D("1100.00")  # 1000 x 1.00 + 100
    assert charge(volume, "1001") == D("850.80")  # 1001 x 0.80 + 50


def test_volume_amount_of_nothing_is_nothing():
    assert volume_amount(TICKET_TIERS, D("0")) == D("0")


# ---------------------------------------------------------------------------------------
# Included quantity on a per-unit price


@pytest.mark.parametrize(
    ("tickets", "expected"),
    [
        ("0", "0.00"),
        ("800", "0.00"),  # inside the allowance
        ("1000", "0.00"),  # exactly the allowance
        ("1001", "0.50"),  # the first billable ticket
        ("2500", "750.00"),  # 1500 billable x 0.50
    ],
)
def test_the_first_1000_tickets_are_included(tickets, expected):
    per_ticket = component("tickets", ChargeModel.PER_UNIT, "0.50", included_quantity=D("1000"))
    assert charge(per_ticket, tickets) == D(expected)


# ---------------------------------------------------------------------------------------
# Minimum commitment (the line itself; the true-up over the metered lines is in test_quote)


def test_a_commitment_line_charges_nothing_by_itself():
    commitment = component("commit", ChargeModel.MINIMUM_COMMITMENT, "2000.00")
    assert charge(commitment, "5000") == D("0.00")


# ---------------------------------------------------------------------------------------
# Outcome: a fee per result, at the expected success rate, optionally capped


def test_an_outcome_fee_is_charged_on_the_expected_successes():
    # 1000 cases x 0.65 success = 650 results x 12.00 = 7800.00
    outcome = component("outcome", ChargeModel.OUTCOME, "12.00", success_rate=D("0.65"))
    assert charge(outcome, "1000") == D("7800.00")
    # 333 x 0.65 = 216.45 expected results x 12.00 = 2597.40
    assert charge(outcome, "333") == D("2597.40")
    assert charge(outcome, "0") == D("0.00")


def test_an_outcome_fee_stops_at_its_cap_per_period():
    outcome = component(
        "outcome",
        ChargeModel.OUTCOME,
        "12.00",
        success_rate=D("0.65"),
        cap_per_period=D("5000.00"),
    )
    assert charge(outcome, "1000") == D("5000.00")  # 7800.00 capped
    assert charge(outcome, "400") == D("3120.00")  # 260 x 12 = 3120.00, under the cap
    # 641 x 0.65 = 416.65 x 12 = 4999.80, just under; 642 -> 5007.60, capped
    assert charge(outcome, "641") == D("4999.80")
    assert charge(outcome, "642") == D("5000.00")


def test_an_outcome_fee_at_certain_and_at_no_success():
    certain = component("outcome", ChargeModel.OUTCOME, "12.00", success_rate=D("1"))
    never = component("outcome", ChargeModel.OUTCOME, "12.00", success_rate=D("0"))
    assert charge(certain, "10") == D("120.00")
    assert charge(never, "10") == D("0.00")


# ---------------------------------------------------------------------------------------
# Decimal values a float cannot represent give exact results


def test_three_units_at_ten_cents_are_exactly_thirty_cents():
    # In floats 0.1 * 3 == 0.30000000000000004.
    amount = charge(component("tickets", ChargeModel.PER_UNIT, "0.1"), "3")
    assert amount == D("0.30")
    assert str(amount) == "0.30"


def test_a_millionth_of_a_euro_over_a_million_and_three_units():
    # 0.000001 x 1,000,003 = 1.000003 exactly -> 1.00
    per_call = component("calls", ChargeModel.PER_UNIT, "0.000001")
    assert charge(per_call, "1000003") == D("1.00")
    # 0.000005 x 1,001 = 0.005005 -> 0.01 (HALF_UP on the exact product)
    assert charge(component("calls", ChargeModel.PER_UNIT, "0.000005"), "1001") == D("0.01")


def test_graduated_micro_prices_are_exact():
    # (0, 1,000,000] at 0.000002; above at 0.000001: 2.000000 + 3 x 0.000001 = 2.000003
    micro = tiers(("0", "1000000", "0.000002"), ("1000000", None, "0.000001"))
    assert graduated_amount(micro, D("1000003")) == D("2.000003")
    assert charge(component("calls", ChargeModel.GRADUATED, tiers=micro), "1000003") == D("2.00")


def test_half_a_cent_that_a_float_would_lose_still_rounds_up():
    # float(1.005) is 1.00499999999999989..., so round(1.005, 2) == 1.0; the Decimal is 1.01.
    assert charge(component("tickets", ChargeModel.PER_UNIT, "1.005"), "1") == D("1.01")
    # 2.675 likewise: 2.68, not the float's 2.67.
    assert charge(component("tickets", ChargeModel.PER_UNIT, "2.675"), "1") == D("2.68")


# ---------------------------------------------------------------------------------------
# Zero usage: whether a tier set's first flat fee is charged is the tier set's own choice

FEE_TIERS = tiers(("0", "100", "1.00", "50.00"), ("100", None, "0.50", "20.00"))


@pytest.mark.parametrize("model", [ChargeModel.GRADUATED, ChargeModel.VOLUME])
def test_by_default_no_usage_charges_no_first_tier_fee(model):
    price = component("tickets", model, tiers=FEE_TIERS)
    assert charge(price, "0") == D("0.00")


@pytest.mark.parametrize("model", [ChargeModel.GRADUATED, ChargeModel.VOLUME])
def test_a_tier_set_that_says_so_charges_its_first_flat_fee_at_zero_usage(model):
    price = component("tickets", model, tiers=FEE_TIERS, first_tier_fee_at_zero=True)
    assert charge(price, "0") == D("50.00")


@pytest.mark.parametrize(
    ("model", "one_ticket"), [(ChargeModel.GRADUATED, "51.00"), (ChargeModel.VOLUME, "51.00")]
)
def test_the_convention_changes_nothing_once_a_unit_is_billable(model, one_ticket):
    charged = component("tickets", model, tiers=FEE_TIERS, first_tier_fee_at_zero=True)
    not_charged = component("tickets", model, tiers=FEE_TIERS)
    assert charge(charged, "1") == charge(not_charged, "1") == D(one_ticket)
    assert charge(charged, "150") == charge(not_charged, "150")


def test_usage_within_the_included_units_is_zero_usage_for_the_convention():
    price = component(
        "tickets",
        ChargeModel.GRADUATED,
        tiers=FEE_TIERS,
        included_quantity=D("10"),
        first_tier_fee_at_zero=True,
    )
    assert charge(price, "10") == D("50.00")
    assert charge(price, "11") == D("51.00")  # one billable ticket: 1 x 1.00 + the tier's 50.00


# ---------------------------------------------------------------------------------------
# Pricing one charge validates its own input, field by field, as a whole quote does


ONE_UNIT, NO_SEATS = D("1"), D("0")


def refused(price, quantity=ONE_UNIT, seats=NO_SEATS) -> dict[str, list[str]]:
    with pytest.raises(EngineInputError) as caught:
        charge_amount(price, quantity, seats)
    return caught.value.errors


def test_a_package_of_size_zero_is_refused_naming_the_field():
    errors = refused(component("packs", ChargeModel.PACKAGE, "10.00", package_size=D("0")))
    assert errors == {"components[packs].package_size": ["must be greater than zero."]}


def test_gapped_tiers_are_refused_not_priced():
    gapped = tiers(("0", "100", "1.00"), ("150", None, "0.50"))
    errors = refused(component("tickets", ChargeModel.GRADUATED, tiers=gapped))
    assert errors == {
        "components[tickets].tiers": [
            "tier 2 starts at 150 but must start at 100 (gap with the tier before)."
        ]
    }


def test_negative_units_and_seats_are_refused_not_charged_zero():
    errors = refused(component("tickets", ChargeModel.PER_UNIT, "0.10"), quantity=D("-5"), seats=D("-1"))
    assert errors == {
        "quantity": ["must not be negative (got -5)."],
        "seats": ["must not be negative (got -1)."],
    }


@pytest.mark.parametrize("bad", [0.1, D("NaN"), D("Infinity"), "3"])
def test_a_quantity_that_is_not_a_finite_decimal_is_refused(bad):
    assert list(refused(component("tickets", ChargeModel.PER_UNIT, "0.10"), quantity=bad)) == ["quantity"]


def test_a_negative_price_and_a_success_rate_above_one_are_refused_together():
    price = component("resolved", ChargeModel.OUTCOME, "-2.00", success_rate=D("1.5"))
    assert refused(price) == {
        "components[resolved].amount": ["must not be negative (got -2.00)."],
        "components[resolved].success_rate": ["must be between 0 and 1."],
    }
