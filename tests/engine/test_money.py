"""Rounding: line totals to cents HALF_UP, unit prices to six places, ratios to four."""

from __future__ import annotations

import pytest

from pricing.engine.money import EngineInputError, money, ratio, unit_price
from pricing.engine.quote import compute_quote
from pricing.engine.types import ChargeModel

from . import D, component, quote


@pytest.mark.parametrize(
    ("amount", "cents"),
    [
        ("0.005", "0.01"),  # half a cent goes up
        ("0.004", "0.00"),
        ("0.0049999", "0.00"),
        ("0.015", "0.02"),
        ("0.025", "0.03"),  # banker's rounding would give 0.02
        ("2.675", "2.68"),  # a float would give 2.67
        ("-0.005", "-0.01"),  # half up rounds away from zero, e.g. a confidence discount
        ("1234.5", "1234.50"),
    ],
)
def test_a_line_total_is_rounded_half_up_to_cents(amount, cents):
    assert money(D(amount)) == D(cents)
    assert money(D(amount)).as_tuple().exponent == -2


@pytest.mark.parametrize(
    ("price", "six_places"),
    [
        ("0.0000005", "0.000001"),  # half a millionth goes up
        ("0.0000004", "0.000000"),
        ("1.2345665", "1.234567"),  # banker's rounding would give 1.234566
        ("2.5", "2.500000"),
    ],
)
def test_a_unit_price_keeps_six_decimal_places(price, six_places):
    assert unit_price(D(price)) == D(six_places)
    assert unit_price(D(price)).as_tuple().exponent == -6


@pytest.mark.parametrize(
    ("value", "four_places"),
    [("0.70005", "0.7001"), ("0.66665", "0.6667"), ("0.7", "0.7000"), ("-0.00005", "-0.0001")],
)
def test_a_margin_is_shown_to_four_places_half_up(value, four_places):
    assert ratio(D(value)) == D(four_places)


def test_the_price_per_task_of_a_quote_is_a_six_place_unit_price():
    # A pack of 5 tickets at 20.00, 3 tickets used: one pack, 20.00 / 3 = 6.6666...-> 6.666667
    pack = component("pack", ChargeModel.PACKAGE, "20.00", package_size=D("5"))
    result = compute_quote(quote(pack, volumes={"ticket": "3"}))
    (ticket,) = result.task_margins
    assert ticket.price_per_task == D("6.666667")


def test_every_money_figure_of_a_quote_is_in_cents():
    # 7 tickets at 0.333333: 2.333331 -> 2.33; 12.5% discount of 2.33 = 0.29125 -> 0.29
    per_ticket = component("tickets", ChargeModel.PER_UNIT, "0.333333")
    result = compute_quote(quote(per_ticket, volumes={"ticket": "7"}, discount_pct=D("12.5")))
    assert result.list_monthly == D("2.33")
    assert result.discount_amount == D("0.29")
    assert result.net_monthly == D("2.04")
    for figure in (result.list_monthly, result.discount_amount, result.net_monthly):
        assert figure.as_tuple().exponent == -2


def test_engine_input_error_lists_messages_by_field():
    error = EngineInputError({"discount_pct": ["must be between 0 and 100 (got 120)."]})
    assert error.errors == {"discount_pct": ["must be between 0 and 100 (got 120)."]}
    assert str(error) == "discount_pct: must be between 0 and 100 (got 120)."
    assert isinstance(error, ValueError)
