"""Figures as people read them: money to its currency's minor unit, quantities and unit costs
without noise, no "-0.00"; the same through the template filters."""

from decimal import Decimal as D

import pytest
from django.template import Context, Template

from core.figures import (
    amount,
    deduction,
    exact_text,
    money,
    percent,
    percent_number,
    plain,
    quantity,
    unit_cost,
)


@pytest.mark.parametrize(
    ("value", "currency", "written"),
    [
        (D("701184"), "USD", "701,184.00 USD"),
        (D("451440.5"), "JPY", "451,441 JPY"),  # no minor unit: whole yen, half up
        (D("1234.5675"), "BHD", "1,234.568 BHD"),  # three-decimal dinars
        ("99.995", "USD", "100.00 USD"),  # a snapshot's string, half up
        (D("451440"), "", "451,440.00"),
        (None, "USD", "—"),
    ],
)
def test_money_is_grouped_and_quantised_to_its_currency(value, currency, written):
    assert money(value, currency) == written


def test_an_amount_in_a_currency_column_carries_no_code():
    assert amount(D("1234.5"), "JPY") == "1,235"
    assert amount(D("1234.5"), "BHD") == "1,234.500"


@pytest.mark.parametrize("value", [D("-0.001"), D("-0.00"), "-0.004"])
def test_nothing_reads_as_negative_zero(value):
    assert money(value, "USD") == "0.00 USD"
    assert deduction(value) == "0.00"
    assert percent(D("-0.0001")) == "0.0%"


def test_a_deduction_carries_a_minus_sign_only_when_something_is_taken_off():
    assert deduction(D("0")) == "0.00"
    assert deduction(D("1200"), "USD") == "−1,200.00"
    assert deduction(D("12"), "JPY") == "−12"


@pytest.mark.parametrize(
    ("value", "written"),
    [
        (D("25.0000"), "25"),
        (D("2.5000"), "2.5"),
        (D("12000.0000"), "12,000"),
        (D("-0.0000"), "0"),
        (None, "—"),
    ],
)
def test_quantities_lose_trailing_zeros(value, written):
    assert quantity(value) == written


@pytest.mark.parametrize(
    ("value", "currency", "written"),
    [
        (D("0.004200"), "", "0.0042"),
        (D("1.500000"), "USD", "1.50"),  # never fewer places than cents
        (D("3.000000"), "JPY", "3"),
        (D("0.380000"), "BHD", "0.380"),
        (D("0.12345678"), "", "0.123457"),  # six places at most
    ],
)
def test_unit_costs_keep_the_places_that_matter(value, currency, written):
    assert unit_cost(value, currency) == written


def test_a_percentage_figure_loses_trailing_zeros():
    assert percent_number(D("12.50")) == "12.5%"
    assert percent_number(D("10.00")) == "10%"
    assert percent(D("0.2105")) == "21.1%"


def test_pages_get_the_same_figures_from_either_library():
    for library in ("figures", "proofs_format"):
        page = Template(
            "{% load " + library + " %}{{ a|money:'JPY' }}|{{ b|money:'BHD' }}|{{ c|quantity }}|"
            "{{ d|unit_cost:'USD' }}|{{ z|deduction }}|{{ p|percent_number }}"
        ).render(
            Context(
                {
                    "a": D("1000.4"),
                    "b": D("2"),
                    "c": D("25.0000"),
                    "d": D("0.070000"),
                    "z": D("-0"),
                    "p": D("12.00"),
                }
            )
        )
        assert page == "1,000 JPY|2.000 BHD|25|0.07|0.00|12%"


def test_csv_cells_carry_exact_plain_numbers():
    assert plain(D("416.200"), "USD") == "416.20"
    assert plain(D("18333.000"), "JPY") == "18333"
    assert plain(None, "USD") == ""
    assert exact_text(D("12000.0000")) == "12000" and exact_text(D("-0.000")) == "0"
