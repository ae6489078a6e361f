"""The chapter's operating table as warnings: each pricing surface's danger, measured on one deal.

| surface | danger                             | measured as                                        |
|---------|------------------------------------|----------------------------------------------------|
| access  | underprices automation-heavy users | margin at P50 usage below the floor, when seats    |
|         |                                    | pay for work no meter charges                      |
| usage   | budget anxiety                     | the buyer's monthly bill P90 / P50 above a ratio   |
| outcome | attribution and vendor risk        | outcome fees or shares of value on work whose      |
|         |                                    | attribution is not defensible, or revenue P10      |
|         |                                    | below the monthly cost                             |
| hybrid  | billing complexity                 | more billable meters than a set number             |

Pure: engine inputs, the engine's result and the thresholds in, warnings out. Each warning carries
the figure that triggered it, the threshold it crossed and what would fix it. Every fix amount is
the least amount in whole minor units of the deal's currency (yen, cents, fils) for which the
engine itself, run on the input changed by that fix (`dataclasses.replace`), meets the condition:
nothing is estimated.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import ROUND_FLOOR, Decimal
from enum import StrEnum

from .costs import cost_per_task
from .margin import task_margin
from .money import CENT, HUNDRED, ONE, ZERO, EngineInputError, minor_unit, money, ratio
from .quote import compute_quote
from .risk import applicable
from .solve import least_cents
from .types import (
    METERED_CHARGES,
    VALUE_CHARGES,
    ChargeModel,
    PriceComponent,
    QuoteInput,
    QuoteResult,
    Surface,
)
from .usage import Z_P50, Z_P90, at_usage, exact_only

# Codes of the components a fix adds to a copy of the deal's input.
ADVISED_COMMITMENT = "advised-commitment"
ADVISED_FEE = "advised-fee"


@dataclass(frozen=True)
class AdvisorThresholds:
    """The limits Finance keeps as data (see `pricing.models.AdvisorThresholds`)."""

    # Budget anxiety: the buyer's monthly bill P90 may be at most this multiple of its P50.
    max_bill_ratio: Decimal = Decimal("1.50")
    # Outcome risk: revenue P10 must cover at least this multiple of the expected monthly cost.
    min_revenue_p10_cover: Decimal = Decimal("1.00")
    # Billing complexity: at most this many billable meters.
    max_billable_meters: int = 2


class Code(StrEnum):
    SEAT_UNDERPRICED = "seat_underpriced"
    BUDGET_ANXIETY = "budget_anxiety"
    ATTRIBUTION_RISK = "attribution_risk"
    BILLING_COMPLEXITY = "billing_complexity"


TITLES = {
    Code.SEAT_UNDERPRICED: "Underprices automation-heavy users",
    Code.BUDGET_ANXIETY: "Budget anxiety",
    Code.ATTRIBUTION_RISK: "Attribution and vendor risk",
    Code.BILLING_COMPLEXITY: "Billing complexity",
}
SURFACES = {
    Code.SEAT_UNDERPRICED: Surface.ACCESS.value,
    Code.BUDGET_ANXIETY: Surface.USAGE.value,
    Code.ATTRIBUTION_RISK: Surface.OUTCOME.value,
    Code.BILLING_COMPLEXITY: "hybrid",
}


class Kind(StrEnum):
    MONEY = "money"
    RATIO = "ratio"
    MULTIPLE = "multiple"
    QUANTITY = "quantity"
    COUNT = "count"
    TEXT = "text"


@dataclass(frozen=True)
class Figure:
    label: str
    value: Decimal | int | str | None
    kind: Kind = Kind.MONEY
    unit: str = ""
    # Money's decimals: its currency's minor unit (0 for JPY, 3 for BHD).
    places: int = 2

    @property
    def display(self) -> str:
        value = self.value
        if value is None:
            return "—"
        if self.kind is Kind.MONEY:
            text = _amount(Decimal(value), self.places)
        elif self.kind is Kind.RATIO:
            text = f"{value * 100:.1f}%"
        elif self.kind is Kind.MULTIPLE:
            text = f"{value:.2f}×"
        elif self.kind is Kind.QUANTITY:
            text = f"{Decimal(value).normalize():,f}"
        else:
            text = f"{value:,}" if self.kind is Kind.COUNT else str(value)
        return f"{text} {self.unit}" if self.unit else text


@dataclass(frozen=True)
class Warning:
    surface: str
    code: str
    title: str
    finding: str
    figure: Figure
    threshold: Figure
    fix: str
    fix_figures: tuple[Figure, ...] = ()


def advise(quote: QuoteInput, result: QuoteResult, thresholds: AdvisorThresholds) -> tuple[Warning, ...]:
    """Every danger of the operating table this deal runs into, with its figure and its fix."""
    _validate(thresholds)
    checks = (_seat, _budget, _attribution, _complexity)
    return tuple(w for w in (check(quote, result, thresholds) for check in checks) if w is not None)


def _validate(thresholds: AdvisorThresholds) -> None:
    errors: dict[str, list[str]] = {}
    for name in ("max_bill_ratio", "min_revenue_p10_cover"):
        if not isinstance(getattr(thresholds, name), Decimal):
            errors[f"thresholds.{name}"] = ["must be a Decimal."]
    if not errors:
        if thresholds.max_bill_ratio < ONE:
            errors["thresholds.max_bill_ratio"] = ["must be at least 1: a bill's P90 is never below its P50."]
        if thresholds.min_revenue_p10_cover < 0:
            errors["thresholds.min_revenue_p10_cover"] = ["must not be negative."]
    if not isinstance(thresholds.max_billable_meters, int) or thresholds.max_billable_meters < 0:
        errors["thresholds.max_billable_meters"] = ["must be a whole number, zero or more."]
    if errors:
        raise EngineInputError(errors)


def floor_price(cost: Decimal, floor: Decimal, places: int = 2) -> Decimal | None:
    """The least price, in minor units of `places` decimals (cents unless told), whose chapter
    margin (price - cost) / price meets `floor`.

    None when no price can: a floor of 100% or more leaves nothing for cost.
    """
    if floor >= ONE:
        return None

    def holds(price: Decimal) -> bool:
        margin = task_margin(price, [cost])
        return margin is not None and margin >= floor

    return least_cents(cost / (ONE - floor), holds, places)


def _stack_factors(quote: QuoteInput) -> tuple[Decimal, Decimal, Decimal]:
    """(keep, fee, after_discount): net = (subtotal * keep + fee) * after_discount, before cents."""
    risk = applicable(quote.risk_adjustments, quote.risk_selection)
    keep = ONE + (risk.uplift_pct - risk.discount_pct) / HUNDRED
    return keep, risk.fee, ONE - quote.discount_pct / HUNDRED


def _value_units(quote: QuoteInput, codes: list[str]) -> str:
    """The work units by what the customer calls them."""
    specs = {w.code: w.value_unit for w in quote.work_units}
    return ", ".join(specs.get(code, code) for code in codes)


def _money(amount: Decimal | None, quote: QuoteInput, label: str) -> Figure:
    """A money figure in the quote's currency; None (no price meets the floor) shows as a dash."""
    return Figure(label, amount, Kind.MONEY, quote.currency, quote.minor_units)


def _amount(value: Decimal, places: int) -> str:
    """An amount in a sentence: grouped by thousands, to the currency's minor unit."""
    return f"{value:,.{places}f}"


# Seat / access: seats that pay for work no meter charges.


def _with_seat_price(quote: QuoteInput, seats: list[PriceComponent], price: Decimal) -> QuoteInput | None:
    """The input with the per-seat components adding up to `price` (the first one absorbs the change)."""
    first = seats[0].amount + price - sum((c.amount for c in seats), ZERO)
    if first < 0:
        return None
    return replace(
        quote,
        components=tuple(
            replace(c, amount=first) if c.code == seats[0].code else c for c in quote.components
        ),
    )


def _seat(quote: QuoteInput, result: QuoteResult, thresholds: AdvisorThresholds) -> Warning | None:
    seats = sorted(
        (c for c in quote.components if c.charge_model is ChargeModel.PER_SEAT), key=lambda c: c.code
    )
    if not seats or quote.seats <= 0:
        return None
    metered = {c.work_unit for c in quote.components if c.charge_model in METERED_CHARGES}
    unmetered = sorted(
        v.work_unit for v in quote.volumes if v.work_unit not in metered and v.monthly_quantity > 0
    )
    if not unmetered:
        return None
    median = exact_only(at_usage(quote, Z_P50))
    at_median = compute_quote(median)
    floor = quote.margin_floor
    margin = at_median.gross_margin
    if margin is not None and margin >= floor:
        return None

    currency, places = quote.currency, quote.minor_units
    per_task = cost_per_task(quote.cost_lines, applicable(quote.risk_adjustments, quote.risk_selection))
    work = {v.work_unit: v.monthly_quantity for v in median.volumes}
    work_per_seat = sum((work[u] for u in unmetered), ZERO) / quote.seats
    cost_per_seat = money(
        sum((work[u] * per_task.get(u, ZERO) for u in unmetered), ZERO) / quote.seats, places
    )
    seat_price = sum((c.amount for c in seats), ZERO)
    room = money(seat_price * (ONE - floor), places)

    fix_price = None
    keep, _, after = _stack_factors(median)
    if floor < ONE and keep > 0 and after > 0:

        def holds(price: Decimal) -> bool:
            changed = _with_seat_price(median, seats, price)
            if changed is None:
                return False
            reached = compute_quote(changed).gross_margin
            return reached is not None and reached >= floor

        needed = at_median.monthly_cost / (ONE - floor)
        fix_price = least_cents(
            seat_price + (needed - at_median.net_monthly) / (keep * after * quote.seats), holds, places
        )

    names = _value_units(quote, unmetered)
    finding = (
        f"Seats pay for work no meter charges ({names}). At P50 usage each seat brings "
        f"{Figure('', work_per_seat.quantize(CENT), Kind.QUANTITY).display} units of it, costing "
        f"{_amount(cost_per_seat, places)} {currency}, against a seat price of "
        f"{_amount(seat_price, places)} {currency} that leaves "
        f"{_amount(room, places)} {currency} for cost at the floor; the margin at P50 usage is "
        f"{Figure('', margin, Kind.RATIO).display}, below the floor of "
        f"{Figure('', floor, Kind.RATIO).display}."
    )
    if fix_price is None:
        fix = "No seat price meets the floor with this discount and these risk terms; meter the work instead."
    else:
        fix = (
            f"A seat price of {_amount(fix_price, places)} {currency} meets the floor at P50 usage, "
            f"or meter {names} "
            "so heavy automation pays its own way."
        )
    return Warning(
        surface=SURFACES[Code.SEAT_UNDERPRICED],
        code=Code.SEAT_UNDERPRICED,
        title=TITLES[Code.SEAT_UNDERPRICED],
        finding=finding,
        figure=Figure("Margin at P50 usage", margin, Kind.RATIO),
        threshold=Figure("Margin floor", floor, Kind.RATIO),
        fix=fix,
        fix_figures=(
            _money(fix_price, quote, "Seat price that meets the floor at P50 usage"),
            _money(seat_price, quote, "Seat price now"),
            _money(cost_per_seat, quote, "Cost per seat at P50 usage"),
            _money(room, quote, "Cost the floor leaves room for per seat"),
        ),
    )


# Usage: a bill the buyer cannot predict.


def _with_commitment(quote: QuoteInput, amount: Decimal) -> QuoteInput:
    """The input with one minimum monthly commitment of `amount` in place of any it had."""
    commitments = [c for c in quote.components if c.charge_model is ChargeModel.MINIMUM_COMMITMENT]
    others = tuple(c for c in quote.components if c.charge_model is not ChargeModel.MINIMUM_COMMITMENT)
    if commitments:
        kept = replace(commitments[0], amount=amount)
    else:
        kept = PriceComponent(
            ADVISED_COMMITMENT, ChargeModel.MINIMUM_COMMITMENT, amount, label="Minimum monthly commitment"
        )
    return replace(quote, components=(*others, kept))


def _budget(quote: QuoteInput, result: QuoteResult, thresholds: AdvisorThresholds) -> Warning | None:
    if not any(c.surface is Surface.USAGE for c in quote.components):
        return None
    sim = result.simulation
    limit = thresholds.max_bill_ratio
    if sim.bill_p90 <= limit * sim.bill_p50:
        return None
    currency, places = quote.currency, quote.minor_units
    spread = ratio(sim.bill_p90 / sim.bill_p50) if sim.bill_p50 > 0 else None
    floor = quote.margin_floor

    fixes: list[Figure] = []
    advice: list[str] = []
    keep, fee, after = _stack_factors(quote)
    if keep > 0 and after > 0:

        def bounded(amount: Decimal) -> bool:
            bill = compute_quote(_with_commitment(quote, amount)).simulation
            return bill.bill_p90 <= limit * bill.bill_p50

        unmetered = sum(
            (ln.amount for ln in result.lines if ln.charge_model in (ChargeModel.FLAT, ChargeModel.PER_SEAT)),
            ZERO,
        )
        current = sum(
            (c.amount for c in quote.components if c.charge_model is ChargeModel.MINIMUM_COMMITMENT), ZERO
        )
        start = (sim.bill_p90 / (limit * after) - fee) / keep - unmetered
        commitment = least_cents(max(start, current), bounded, places)
        committed = compute_quote(_with_commitment(quote, commitment))
        fixes += [
            _money(commitment, quote, "Minimum monthly commitment that bounds the bill"),
            _money(committed.simulation.bill_p50, quote, "Bill P50 with it"),
            _money(committed.simulation.bill_p90, quote, "Bill P90 with it"),
            Figure("Margin P50 with it", committed.simulation.margin_p50, Kind.RATIO),
        ]
        advice.append(
            f"A minimum monthly commitment of {_amount(commitment, places)} {currency} brings the bill "
            f"to P50 {_amount(committed.simulation.bill_p50, places)} / "
            f"P90 {_amount(committed.simulation.bill_p90, places)}, within "
            f"{limit}× (a commitment only adds revenue, so the margin floor holds)."
        )

    cap = (limit * sim.bill_p50).quantize(minor_unit(places), rounding=ROUND_FLOOR)
    heavy_cost = compute_quote(exact_only(at_usage(quote, Z_P90))).monthly_cost
    safe_cap = floor_price(heavy_cost, floor, places)
    fixes += [
        _money(cap, quote, "Monthly cap that bounds the bill"),
        _money(heavy_cost, quote, "Monthly cost at P90 usage"),
        _money(safe_cap, quote, "Lowest cap that keeps the floor at P90 usage"),
    ]
    if safe_cap is not None and cap >= safe_cap:
        advice.append(
            f"Or cap the monthly bill at {_amount(cap, places)} {currency}: even a P90-usage month, costing "
            f"{_amount(heavy_cost, places)}, keeps the margin floor under that cap."
        )
    else:
        advice.append(
            f"A cap at {_amount(cap, places)} {currency} would not keep the floor: a P90-usage month costs "
            f"{_amount(heavy_cost, places)}, so no cap below "
            f"{Figure('', safe_cap, places=places).display} keeps it."
        )
    finding = (
        f"The customer's monthly bill runs from P50 {_amount(sim.bill_p50, places)} "
        f"to P90 {_amount(sim.bill_p90, places)} {currency}"
        + (f", {spread:.2f}×" if spread is not None else "")
        + f": more than {limit}× is hard for a buyer to budget."
    )
    return Warning(
        surface=SURFACES[Code.BUDGET_ANXIETY],
        code=Code.BUDGET_ANXIETY,
        title=TITLES[Code.BUDGET_ANXIETY],
        finding=finding,
        figure=Figure("Bill P90 / P50", spread, Kind.MULTIPLE),
        threshold=Figure("Highest bill P90 / P50", limit, Kind.MULTIPLE),
        fix=" ".join(advice),
        fix_figures=tuple(fixes),
    )


# Outcome: revenue that depends on results someone else may claim, or that may not come.


def _with_fee(quote: QuoteInput, amount: Decimal) -> QuoteInput:
    fee = PriceComponent(ADVISED_FEE, ChargeModel.FLAT, amount, label="Platform fee")
    return replace(quote, components=(*quote.components, fee))


def _attribution(quote: QuoteInput, result: QuoteResult, thresholds: AdvisorThresholds) -> Warning | None:
    # Fees per result and shares of the value produced: both rest on attributing the outcome.
    outcome = [c for c in quote.components if c.surface is Surface.OUTCOME]
    if not outcome:
        return None
    specs = {w.code: w for w in quote.work_units}
    weak_prices = [
        c for c in outcome if c.work_unit in specs and not specs[c.work_unit].attribution_defensible
    ]
    weak = _value_units(quote, sorted({c.work_unit for c in weak_prices if c.work_unit}))
    shares = any(c.charge_model in VALUE_CHARGES for c in weak_prices)
    fees = any(c.charge_model not in VALUE_CHARGES for c in weak_prices)
    needed = money(thresholds.min_revenue_p10_cover * result.monthly_cost, quote.minor_units)
    revenue_p10 = result.simulation.bill_p10
    short = revenue_p10 < needed
    if not weak and not short:
        return None
    currency, places = quote.currency, quote.minor_units
    findings, advice = [], []
    fixes = [
        _money(revenue_p10, quote, "Revenue P10"),
        _money(result.monthly_cost, quote, "Expected monthly cost"),
    ]
    if weak:
        charged = {
            (True, False): "Outcome fees are",
            (False, True): "A share of the value is",
            (True, True): "Outcome fees and a share of the value are",
        }[(fees, shares)]
        findings.append(
            f"{charged} charged on {weak}, whose attribution to the automation is not defensible."
        )
        advice.append(
            f"Price {weak} per unit of work rather than "
            + ("on the value it produces" if shares and not fees else "per outcome")
            + ", or agree in writing how results"
            + (" and their value" if shares else "")
            + " are attributed."
        )
    if short:
        findings.append(
            f"In one month in ten revenue falls to {_amount(revenue_p10, places)} {currency} or less, below "
            f"{thresholds.min_revenue_p10_cover}× the expected cost of "
            f"{_amount(result.monthly_cost, places)}."
        )
        keep, _, after = _stack_factors(quote)
        if keep > 0 and after > 0:

            def covered(amount: Decimal) -> bool:
                return compute_quote(_with_fee(quote, amount)).simulation.bill_p10 >= needed

            fee = least_cents((needed - revenue_p10) / (keep * after), covered, places)
            lifted = compute_quote(_with_fee(quote, fee)).simulation.bill_p10
            fixes += [
                _money(fee, quote, "Platform fee that lifts revenue P10 to cover cost"),
                _money(lifted, quote, "Revenue P10 with it"),
            ]
            advice.append(
                f"A platform fee of {_amount(fee, places)} {currency} a month lifts revenue P10 to "
                f"{_amount(lifted, places)}."
            )
        else:
            advice.append("No fee lifts revenue while the deal is discounted in full.")
    if short:
        figure = _money(revenue_p10, quote, "Revenue P10")
        threshold = _money(needed, quote, "Monthly cost covered")
    else:
        figure = Figure("Outcome pricing on", weak, Kind.TEXT)
        threshold = Figure("Attribution", "defensible", Kind.TEXT)
    return Warning(
        surface=SURFACES[Code.ATTRIBUTION_RISK],
        code=Code.ATTRIBUTION_RISK,
        title=TITLES[Code.ATTRIBUTION_RISK],
        finding=" ".join(findings),
        figure=figure,
        threshold=threshold,
        fix=" ".join(advice),
        fix_figures=tuple(fixes),
    )


# Hybrid: more meters than a buyer can reconcile with an invoice.


def _complexity(quote: QuoteInput, result: QuoteResult, thresholds: AdvisorThresholds) -> Warning | None:
    meters = [c for c in quote.components if c.charge_model in METERED_CHARGES]
    limit = thresholds.max_billable_meters
    if len(meters) <= limit:
        return None
    currency, places = quote.currency, quote.minor_units
    amounts = {line.code: line.amount for line in result.lines}
    fold = sorted(meters, key=lambda c: (amounts[c.code], c.code))[: len(meters) - limit]
    folded = sum((amounts[c.code] for c in fold), ZERO)
    codes = {c.code for c in fold}
    kept = tuple(c for c in quote.components if c.code not in codes)
    net_after = compute_quote(exact_only(_with_fee(replace(quote, components=kept), folded))).net_monthly
    labels = ", ".join(c.label or c.code for c in fold)
    return Warning(
        surface=SURFACES[Code.BILLING_COMPLEXITY],
        code=Code.BILLING_COMPLEXITY,
        title=TITLES[Code.BILLING_COMPLEXITY],
        finding=(
            f"The bill has {len(meters)} meters ({', '.join(c.label or c.code for c in meters)}); "
            f"each is a line the buyer must reconcile and the sale must explain."
        ),
        figure=Figure("Billable meters", len(meters), Kind.COUNT),
        threshold=Figure("Most billable meters", limit, Kind.COUNT),
        fix=(
            f"Bill on at most {limit} meters: fold {labels} (together {_amount(folded, places)} {currency} "
            "a month at the expected volumes) into a platform fee; the net monthly price becomes "
            f"{_amount(net_after, places)}."
        ),
        fix_figures=(
            Figure("Meters to fold", len(fold), Kind.COUNT),
            _money(folded, quote, "Their monthly amount, as a platform fee"),
            _money(net_after, quote, "Net monthly price after folding"),
            _money(result.net_monthly, quote, "Net monthly price now"),
        ),
    )
