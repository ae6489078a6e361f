"""Tests of the pricing and margin engine (pure Python, no database).

Shared builders live here so each test reads as a pricing story: a plan of price
components, a deal's expected volumes and the cost of doing the work.
"""

from __future__ import annotations

from decimal import Decimal

from pricing.engine.charges import charge_amount
from pricing.engine.types import (
    ChargeModel,
    CostCategory,
    CostLine,
    PriceComponent,
    QuoteInput,
    SimulationSettings,
    Tier,
    Volume,
    WorkUnitSpec,
)

D = Decimal

# The chapter's work units: a value unit the customer recognises, a cost unit the vendor pays.
TICKET = WorkUnitSpec("ticket", value_unit="resolved ticket", cost_unit="token")
REVIEW = WorkUnitSpec("review", value_unit="contract reviewed", cost_unit="page")
HOUR = WorkUnitSpec("hour", value_unit="expert hour", cost_unit="gpu hour")
WORK_UNITS = (TICKET, REVIEW, HOUR)


def component(code: str, model: ChargeModel, amount: str = "0", **kwargs) -> PriceComponent:
    if "work_unit" not in kwargs and model not in (
        ChargeModel.FLAT,
        ChargeModel.PER_SEAT,
        ChargeModel.MINIMUM_COMMITMENT,
    ):
        kwargs["work_unit"] = "ticket"
    return PriceComponent(code=code, charge_model=model, amount=D(amount), **kwargs)


def tiers(*spec: tuple[str, str | None, str] | tuple[str, str | None, str, str]) -> tuple[Tier, ...]:
    """tiers(("0", "1000", "1.00"), ("1000", None, "0.80")): (lower, upper, unit price[, fee])."""
    built = []
    for lower, upper, price, *fee in spec:
        built.append(Tier(D(lower), None if upper is None else D(upper), D(price), D(fee[0] if fee else "0")))
    return tuple(built)


def charge(price: PriceComponent, quantity: str, seats: str = "0") -> Decimal:
    """The exact monthly line total of one component."""
    return charge_amount(price, D(quantity), D(seats))


def costs(work_unit: str, model: str, infra: str, review: str, support: str, cv: str = "0"):
    """The four cost categories of one work unit, per task."""
    return (
        CostLine(work_unit, CostCategory.MODEL, D(model), D(cv)),
        CostLine(work_unit, CostCategory.INFRA, D(infra), D(cv)),
        CostLine(work_unit, CostCategory.HUMAN_REVIEW, D(review), D(cv)),
        CostLine(work_unit, CostCategory.SUPPORT, D(support), D(cv)),
    )


def quote(
    *components: PriceComponent,
    volumes: dict[str, str] | tuple[Volume, ...] = (),
    draws: int = 50,
    seed: int = 7,
    **kwargs,
) -> QuoteInput:
    """A EUR deal on a EUR plan. `volumes` maps work unit -> expected monthly quantity
    (constant), or is a tuple of Volume when the volumes vary."""
    kwargs.setdefault("currency", "EUR")
    kwargs.setdefault("plan_currency", "EUR")
    kwargs.setdefault("work_units", WORK_UNITS)
    if isinstance(volumes, dict):
        volumes = tuple(Volume(unit, D(q)) for unit, q in volumes.items())
    kwargs.setdefault("simulation", SimulationSettings(draws=draws, seed=seed))
    return QuoteInput(components=tuple(components), volumes=volumes, **kwargs)


def line(result, code: str) -> Decimal:
    """The amount of one charge line of a quote result."""
    (found,) = [ln for ln in result.lines if ln.code == code]
    return found.amount


def codes(result) -> list[str]:
    return [ln.code for ln in result.lines]
