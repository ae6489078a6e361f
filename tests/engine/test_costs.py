"""Token cost: what one work unit's tokens cost at a model's rate, exactly."""

from __future__ import annotations

import pytest

from pricing.engine import EngineInputError, token_cost
from pricing.engine.types import TokenRate, TokenUse

from . import D

RATE = TokenRate(
    input_per_million=D("3.00"), output_per_million=D("12.00"), cached_input_per_million=D("0.30")
)


def test_fresh_input_cached_input_and_output_each_pay_their_own_price():
    use = TokenUse(input_tokens=D("6000"), output_tokens=D("900"), cached_input_tokens=D("20000"))
    # 6,000 x 3 + 20,000 x 0.30 + 900 x 12 = 34,800 per million tokens
    assert token_cost(RATE, use) == D("0.0348")


def test_cached_input_pays_the_input_price_when_the_rate_has_no_cached_price():
    rate = TokenRate(input_per_million=D("3.00"), output_per_million=D("12.00"))
    use = TokenUse(input_tokens=D("1000"), cached_input_tokens=D("1000"))
    assert token_cost(rate, use) == D("0.006")


def test_a_unit_cost_is_kept_unrounded_for_the_line_total_to_round():
    use = TokenUse(input_tokens=D("1"), output_tokens=D("1"))
    assert token_cost(RATE, use) == D("0.000015")


def test_no_tokens_cost_nothing():
    assert token_cost(RATE, TokenUse()) == 0


def test_negative_prices_and_token_counts_are_refused_by_field():
    rate = TokenRate(input_per_million=D("-1"), output_per_million=D("12.00"))
    with pytest.raises(EngineInputError) as caught:
        token_cost(rate, TokenUse(output_tokens=D("-5")))
    assert caught.value.errors == {
        "input_per_million": ["must not be negative (got -1)."],
        "output_tokens": ["must not be negative (got -5)."],
    }
