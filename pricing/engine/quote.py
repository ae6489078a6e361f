"""QuoteInput -> QuoteResult: validation, the exact price and margin, the simulation, the hash."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Sequence
from decimal import Decimal
from enum import Enum
from functools import cache
from typing import Any

from . import costs as cost_stack
from .charges import component_errors, line_amount
from .margin import gross_margin, task_margin
from .money import HUNDRED, ONE, ZERO, EngineInputError, FieldErrors, money, unit_price
from .risk import AppliedRisk, applicable
from .simulation import simulate_many
from .stack import PriceStack, monthly_share, price_stack, stack_rates
from .types import (
    COMMITMENTS,
    VALUE_CHARGES,
    ChargeLine,
    ChargeModel,
    CostCategory,
    CostLine,
    PriceComponent,
    QuoteInput,
    QuoteResult,
    RiskAdjustment,
    RiskKind,
    RiskSelection,
    SimulationSettings,
    TaskMargin,
    Tier,
    Volume,
    WorkUnitSpec,
)

ENGINE_VERSION = "1.3.0"
MAX_DRAWS = 1_000_000
# Volumes, cost lines and price components a quote may have, each: every one may be an uncertain
# input, a coordinate of the simulation's sequence.
MAX_ROWS = 1000


@cache
def _field_names(kind: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(kind)) if dataclasses.is_dataclass(kind) else ()


def _path(parts: tuple[str | int, ...]) -> str:
    """("volumes", 0, "cv") -> "volumes[0].cv"."""
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


# Values that hold no number to check: skipped without a call.
_NO_NUMBERS = (str, int, bool, type(None))
# Frozen values of plain fields found clean, by identity (kept alive here so that their ids cannot
# be reused): a batch's quotes share their simulation settings, and the adapter shares the cost
# lines and risk choices that deals have in common.
_CLEAN_LEAVES: dict[int, Any] = {}
CLEAN_LEAVES_SIZE = 4096
_LEAF_TYPES = (Volume, CostLine, RiskSelection, SimulationSettings)


def _check_decimals(
    obj: Any, errors: FieldErrors, skip: frozenset[int] = frozenset(), path: tuple[str | int, ...] = ()
) -> None:
    """Every number in the input must already be a Decimal or int: a float is refused. (The path
    to a value is only spelt out when it is refused: most inputs are clean.) Values whose id is in
    `skip`, and leaves already found clean, are not looked into."""
    if isinstance(obj, Decimal):
        if not obj.is_finite():
            errors.add(_path(path), "must be a finite number.")
    elif isinstance(obj, float):
        errors.add(_path(path), "must be a Decimal, not a float.")
    elif isinstance(obj, tuple | list):
        for index, item in enumerate(obj):
            if id(item) not in _CLEAN_LEAVES:
                _check_decimals(item, errors, skip, (*path, index))
    elif not isinstance(obj, str | int):
        found = len(errors.errors)
        cls: type = type(obj)
        for name in _field_names(cls):
            value = getattr(obj, name)
            kind = type(value)
            if kind is Decimal:
                if not value.is_finite():
                    errors.add(_path((*path, name)), "must be a finite number.")
            elif kind not in _NO_NUMBERS and id(value) not in skip and id(value) not in _CLEAN_LEAVES:
                _check_decimals(value, errors, skip, (*path, name))
        if len(errors.errors) == found and type(obj) in _LEAF_TYPES:
            if len(_CLEAN_LEAVES) >= CLEAN_LEAVES_SIZE:
                _CLEAN_LEAVES.clear()
            _CLEAN_LEAVES[id(obj)] = obj


# Parts of inputs already found valid, by identity: the deals of a batch share their plan's
# components, work units and risk adjustments (immutable tuples), which need checking once. The
# parts are kept alive here so that their ids cannot be reused.
_VALID_SHARED: dict[tuple[int, ...], _KnownParts] = {}
VALID_SHARED_SIZE = 256


@dataclasses.dataclass(frozen=True)
class _KnownParts:
    """Shared parts found valid, with what deals derive from them alone: the work units by code,
    and the adjustments each risk selection applies (deals share a handful of selections)."""

    parts: tuple[object, ...]
    units: dict[str, WorkUnitSpec]
    applied: dict[RiskSelection, AppliedRisk]


def _shared_parts(quote: QuoteInput) -> tuple[object, ...]:
    return (quote.components, quote.work_units, quote.risk_adjustments)


def validate(quote: QuoteInput) -> AppliedRisk:
    """Refuse bad input with every problem listed, each under the field it concerns; returns the
    risk adjustments the deal's choices apply."""
    errors = FieldErrors()
    shared = _shared_parts(quote)
    key = tuple(map(id, shared))
    known = _VALID_SHARED.get(key)
    _check_decimals(quote, errors, skip=frozenset(key) if known else frozenset())
    _check_enums(quote, errors, known is not None)
    errors.raise_if_any()

    if quote.currency != quote.plan_currency:
        errors.add(
            "currency",
            f"the deal is in {quote.currency} but the plan is priced in {quote.plan_currency}.",
        )
    if not Decimal(0) <= quote.discount_pct <= HUNDRED:
        errors.add("discount_pct", f"must be between 0 and 100 (got {quote.discount_pct}).")
    if quote.term_months < 1:
        errors.add("term_months", "must be at least one month.")
    if not 0 <= quote.minor_units <= 4:
        errors.add("minor_units", f"must be between 0 and 4 decimals (got {quote.minor_units}).")
    errors.non_negative(quote.seats, "seats")
    errors.non_negative(quote.fixed_monthly_cost, "fixed_monthly_cost")
    if not 0 < quote.simulation.draws <= MAX_DRAWS:
        errors.add("simulation.draws", f"must be between 1 and {MAX_DRAWS}.")
    if quote.simulation.seed < 0:
        errors.add("simulation.seed", "must not be negative.")
    if quote.simulation.histogram_bins < 1:
        errors.add("simulation.histogram_bins", "must be at least one.")

    for field, rows in (
        ("volumes", quote.volumes),
        ("cost_lines", quote.cost_lines),
        ("components", quote.components),
    ):
        if len(rows) > MAX_ROWS:
            errors.add(field, f"at most {MAX_ROWS} (got {len(rows)}).")

    units = known.units if known else {w.code: w for w in quote.work_units}
    volume_units = [v.work_unit for v in quote.volumes]
    if len(set(volume_units)) < len(volume_units):
        for unit in sorted({u for u in volume_units if volume_units.count(u) > 1}):
            errors.add(f"volumes[{unit}]", "give one expected volume per work unit.")
    # Field names are spelt out only for a volume or cost line that has something to refuse.
    valued = {c.work_unit for c in quote.components if c.charge_model in VALUE_CHARGES}
    for volume in quote.volumes:
        field = f"volumes[{volume.work_unit}]"
        if (
            volume.work_unit not in units
            or volume.monthly_quantity < 0
            or volume.cv < 0
            or volume.unit_value < 0
            or volume.unit_value_cv < 0
        ):
            numbers = {
                "monthly_quantity": volume.monthly_quantity,
                "cv": volume.cv,
                "unit_value": volume.unit_value,
                "unit_value_cv": volume.unit_value_cv,
            }
            _refuse_row(errors, units, volume.work_unit, field, numbers)
        elif volume.work_unit in valued and volume.monthly_quantity > 0 and volume.unit_value == 0:
            errors.add(
                f"{field}.unit_value", "a share-of-value price needs the value one unit of work carries."
            )
    for line in quote.cost_lines:
        if line.work_unit not in units or line.unit_cost < 0 or line.cv < 0:
            numbers = {"unit_cost": line.unit_cost, "cv": line.cv}
            _refuse_row(
                errors, units, line.work_unit, f"cost_lines[{line.work_unit}.{line.category}]", numbers
            )

    if not known:
        codes = [c.code for c in quote.components]
        for code in {c for c in codes if codes.count(c) > 1}:
            errors.add(f"components[{code}]", "component codes must be unique.")
        for component in quote.components:
            _validate_component(component, units, errors)
        models = [c.charge_model for c in quote.components]
        if models.count(ChargeModel.TERM_COMMITMENT) > 1:
            errors.add("components", "at most one term commitment.")
        if ChargeModel.TERM_COMMITMENT in models and ChargeModel.MINIMUM_COMMITMENT in models:
            errors.add("components", "a term commitment and a minimum monthly commitment cannot be combined.")
    risk = _validate_risk(quote, errors, known)
    errors.raise_if_any()
    if not known and all(type(part) is tuple for part in shared):  # a list could change later
        if len(_VALID_SHARED) >= VALID_SHARED_SIZE:
            _VALID_SHARED.clear()
        _VALID_SHARED[key] = _KnownParts(shared, units, {})
    return risk


def _refuse_row(
    errors: FieldErrors,
    units: dict[str, WorkUnitSpec],
    work_unit: str,
    field: str,
    numbers: dict[str, Decimal],
) -> None:
    """What is wrong with a volume or a cost line: an unknown work unit, a negative number."""
    if work_unit not in units:
        errors.add(field, f"unknown work unit {work_unit!r}.")
    for name, value in numbers.items():
        errors.non_negative(value, f"{field}.{name}")


def _check_enums(quote: QuoteInput, errors: FieldErrors, known: bool) -> None:
    """The engine dispatches on enum members: a plain string would silently charge nothing."""
    for index, component in enumerate(() if known else quote.components):
        if not isinstance(component.charge_model, ChargeModel):
            errors.add(f"components[{index}].charge_model", "must be a ChargeModel member.")
    for index, line in enumerate(quote.cost_lines):
        if not isinstance(line.category, CostCategory):
            errors.add(f"cost_lines[{index}].category", "must be a CostCategory member.")
    for index, adjustment in enumerate(() if known else quote.risk_adjustments):
        if not isinstance(adjustment.kind, RiskKind):
            errors.add(f"risk_adjustments[{index}].kind", "must be a RiskKind member.")


def _validate_risk(quote: QuoteInput, errors: FieldErrors, known: _KnownParts | None) -> AppliedRisk:
    for adjustment in () if known else quote.risk_adjustments:
        field = f"risk_adjustments[{adjustment.kind}.{adjustment.option}]"
        errors.non_negative(adjustment.price_uplift_pct, f"{field}.price_uplift_pct")
        errors.non_negative(adjustment.fee, f"{field}.fee")
        errors.non_negative(adjustment.human_review_cost_multiplier, f"{field}.human_review_cost_multiplier")
        if not ZERO <= adjustment.discount_pct <= HUNDRED:
            errors.add(
                f"{field}.discount_pct",
                f"must be between 0 and 100 (got {adjustment.discount_pct}).",
            )
    chosen = _applied(quote, known)
    if chosen.discount_pct > HUNDRED:
        errors.add(
            "risk_selection",
            f"the chosen adjustments discount {chosen.discount_pct}% in total; at most 100.",
        )
    return chosen


def _applied(quote: QuoteInput, known: _KnownParts | None) -> AppliedRisk:
    """The adjustments the deal's selection applies, worked out once per selection of known
    adjustments (a selection of the right type is hashable; any other is worked out each time)."""
    selection = quote.risk_selection
    if known is None or type(selection) is not RiskSelection:
        return applicable(quote.risk_adjustments, selection)
    try:
        return known.applied[selection]
    except KeyError:
        chosen = known.applied[selection] = applicable(quote.risk_adjustments, selection)
        return chosen
    except TypeError:  # a field of the selection holds an unhashable value
        return applicable(quote.risk_adjustments, selection)


def _validate_component(
    component: PriceComponent, units: dict[str, WorkUnitSpec], errors: FieldErrors
) -> None:
    field = f"components[{component.code}]"
    component_errors(component, field, errors)
    needs_unit = component.charge_model not in (ChargeModel.FLAT, ChargeModel.PER_SEAT, *COMMITMENTS)
    if needs_unit:
        unit = units.get(component.work_unit or "")
        if unit is None:
            errors.add(f"{field}.work_unit", "a metered price must name a known work unit.")
        elif component.billed_unit and component.billed_unit == unit.cost_unit:
            errors.add(
                f"{field}.billed_unit",
                f"prices the cost unit {unit.cost_unit!r}; price the value unit {unit.value_unit!r} instead.",
            )
        elif component.billed_unit and component.billed_unit != unit.value_unit:
            errors.add(
                f"{field}.billed_unit",
                f"bills {component.billed_unit!r}, but the work unit's value unit is {unit.value_unit!r}.",
            )


def compute_quote(
    quote: QuoteInput, *, histogram: bool = True, detail: bool = True, drivers: bool = False
) -> QuoteResult:
    """The quote; `histogram=False` leaves the margin histogram out of the simulation, and
    `detail=False` the charge lines, task margins and surfaces (see compute_quotes); `drivers`
    adds what drives the margin's spread."""
    (result,) = compute_quotes([quote], histogram=histogram, detail=detail, drivers=drivers)
    if isinstance(result, EngineInputError):
        raise result
    return result


def compute_quotes(
    quotes: Sequence[QuoteInput], *, histogram: bool = True, detail: bool = True, drivers: bool = False
) -> list[QuoteResult | EngineInputError]:
    """Each quote, or why its input is refused, in order. The exact figures are computed quote by
    quote; the simulation of quotes that share a shape runs as one block (see simulation.py), so
    a quote's figures are the same whether it is computed alone or in a batch.

    `detail=False` gives the figures a deal stores and nothing more: the result's charge lines,
    task margins and surfaces are left empty (its every figure is the same as with them)."""
    exact: list[tuple[dict[str, Any], AppliedRisk] | EngineInputError] = []
    for quote in quotes:
        try:
            exact.append(_exact_figures(quote, detail))
        except EngineInputError as error:
            exact.append(error)
        except ArithmeticError:
            # Figures beyond Decimal's 28 digits: this quote is refused, the batch goes on.
            exact.append(
                EngineInputError({"quote": ["The figures of these inputs are too large to compute."]})
            )
    valid = {
        index: figures for index, figures in enumerate(exact) if not isinstance(figures, EngineInputError)
    }
    simulations = simulate_many(
        [quotes[index] for index in valid],
        [risk for _, risk in valid.values()],
        histogram=histogram,
        drivers=drivers,
    )
    simulated = dict(zip(valid, simulations, strict=True))
    return [
        figures
        if isinstance(figures, EngineInputError)
        else QuoteResult(**figures[0], simulation=simulated[index])
        for index, figures in enumerate(exact)
    ]


def _exact_figures(quote: QuoteInput, detail: bool = True) -> tuple[dict[str, Any], AppliedRisk]:
    """Every figure of the quote but the simulation, in Decimal; and the applied risk. Without
    `detail`, no charge lines, task margins or surfaces."""
    risk = validate(quote)
    places = quote.minor_units

    def rounded(amount: Decimal) -> Decimal:
        return money(amount, places)

    volume_of = {v.work_unit: v for v in quote.volumes}
    quantities: dict[str, Decimal] = {}
    amounts: dict[str, Decimal] = {}
    for component in quote.components:
        volume = volume_of.get(component.work_unit or "")
        quantity = ZERO if volume is None else volume.monthly_quantity
        if component.charge_model is ChargeModel.PER_SEAT:
            quantity = quote.seats
        quantities[component.code] = quantity
        unit_value = ZERO if volume is None else volume.unit_value
        amounts[component.code] = line_amount(component, quantity, quote.seats, unit_value, places)

    stack = price_stack(
        quote.components,
        amounts,
        stack_rates(risk, quote.discount_pct),
        rnd=rounded,
        floor0=lambda x: max(x, ZERO),
        scalar=lambda d: d,
        monthly_share=monthly_share(quote),
    )
    by_category = cost_stack.cost_by_category(quote.volumes, quote.cost_lines, risk, places)
    fixed = rounded(quote.fixed_monthly_cost)
    monthly_cost = sum(by_category.values(), ZERO) + fixed
    net = stack.net
    lines = _charge_lines(quote, quantities, amounts, stack) if detail else ()
    figures = {
        "engine_version": ENGINE_VERSION,
        "currency": quote.currency,
        "lines": lines,
        "list_monthly": stack.list_total,
        "discount_amount": stack.discount,
        "net_monthly": net,
        "cost_by_category": by_category,
        "fixed_monthly_cost": fixed,
        "monthly_cost": monthly_cost,
        "margin_amount": net - monthly_cost,
        "gross_margin": gross_margin(net, monthly_cost),
        "task_margins": _task_margins(quote, lines, stack.list_total, net, risk) if detail else (),
        "total_contract_value": rounded(net * quote.term_months),
        "surfaces": _surfaces(quote, risk) if detail else (),
    }
    return figures, risk


def _charge_lines(
    quote: QuoteInput, quantities: dict[str, Decimal], amounts: dict[str, Decimal], stack: PriceStack
) -> tuple[ChargeLine, ...]:
    """A line per component, then the true-up and the risk lines that apply."""
    lines = [
        ChargeLine(
            code=component.code,
            label=component.label or component.code,
            charge_model=component.charge_model.value,
            surface=component.surface.value,
            work_unit=component.work_unit,
            quantity=quantities[component.code],
            amount=amounts[component.code],
        )
        for component in quote.components
    ]
    if stack.commitment_drawdown:
        lines.append(
            _extra_line(
                "commitment_drawdown",
                "Term commitment: unused share or overage",
                "usage",
                stack.commitment_drawdown,
            )
        )
    if stack.commitment_true_up:
        lines.append(
            _extra_line(
                "commitment_true_up",
                "Minimum commitment true-up",
                "usage",
                stack.commitment_true_up,
            )
        )
    for code, label, amount in (
        ("risk_uplift", "Indemnity and risk uplift", stack.risk_uplift),
        ("risk_fee", "Compliance fee", stack.risk_fee),
        ("confidence_discount", "Confidence tier discount", -stack.confidence_discount),
    ):
        if amount:
            lines.append(_extra_line(code, label, "risk_adjusted", amount))
    return tuple(lines)


def _surfaces(quote: QuoteInput, risk: AppliedRisk) -> tuple[str, ...]:
    surfaces = {c.surface.value for c in quote.components}
    if risk.applied:
        surfaces.add("risk_adjusted")
    return tuple(sorted(surfaces))


def _extra_line(code: str, label: str, surface: str, amount: Decimal) -> ChargeLine:
    return ChargeLine(code, label, code, surface, None, ONE, amount)


def _task_margins(
    quote: QuoteInput, lines: tuple[ChargeLine, ...], list_total: Decimal, net: Decimal, risk: AppliedRisk
) -> tuple[TaskMargin, ...]:
    """Per work unit: the net price earned per task (its lines, after the deal's discount)
    against the cost of one task."""
    net_share = net / list_total if list_total > 0 else ZERO
    per_task_cost = cost_stack.cost_per_task(quote.cost_lines, risk)
    margins = []
    for volume in sorted(quote.volumes, key=lambda v: v.work_unit):
        revenue = sum((ln.amount for ln in lines if ln.work_unit == volume.work_unit), ZERO)
        if volume.monthly_quantity <= 0:
            continue
        price = unit_price(revenue * net_share / volume.monthly_quantity)
        cost = unit_price(per_task_cost.get(volume.work_unit, ZERO))
        margins.append(TaskMargin(volume.work_unit, price, cost, task_margin(price, [cost])))
    return tuple(margins)


# Canonical form and hash: a snapshot stores `to_primitive` of both sides and replays them.


def to_primitive(value: Any) -> Any:
    if dataclasses.is_dataclass(value):
        return {
            f.name: _field_primitive(f, getattr(value, f.name))
            for f in dataclasses.fields(value)
            if not _omitted(f, getattr(value, f.name))
        }
    if isinstance(value, dict):
        return {str(k): to_primitive(v) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return [to_primitive(v) for v in value]
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    return value


def _omitted(f: dataclasses.Field[Any], value: Any) -> bool:
    """A field added after snapshots were frozen is left out while it holds its default, so an
    older snapshot's canonical form, and so its hash, stays what it was."""
    return bool(f.metadata.get("omit_when_default")) and value == f.default


def _field_primitive(f: dataclasses.Field[Any], value: Any) -> Any:
    # An int given for a Decimal field (seats=10) is written as the Decimal it means, so the
    # replayed input (which reads it back as Decimal("10")) has the same canonical form.
    if isinstance(value, int) and not isinstance(value, bool) and "Decimal" in str(f.type):
        return str(value)
    return to_primitive(value)


def canonical_json(value: Any) -> str:
    return json.dumps(to_primitive(value), sort_keys=True, separators=(",", ":"))


def quote_hash(quote: QuoteInput, result: QuoteResult) -> str:
    payload = canonical_json({"input": quote, "result": result})
    return hashlib.sha256(payload.encode()).hexdigest()


def _dec(value: Any) -> Decimal | None:
    return None if value is None else Decimal(value)


def quote_input_from_primitive(data: dict[str, Any]) -> QuoteInput:
    """The inverse of `to_primitive` for a QuoteInput, so a snapshot can be replayed."""
    return QuoteInput(
        currency=data["currency"],
        plan_currency=data["plan_currency"],
        components=tuple(
            PriceComponent(
                code=c["code"],
                charge_model=ChargeModel(c["charge_model"]),
                amount=Decimal(c["amount"]),
                work_unit=c["work_unit"],
                billed_unit=c["billed_unit"],
                package_size=Decimal(c["package_size"]),
                tiers=tuple(
                    Tier(
                        Decimal(t["lower"]),
                        _dec(t["upper"]),
                        Decimal(t["unit_price"]),
                        Decimal(t["flat_fee"]),
                    )
                    for t in c["tiers"]
                ),
                included_quantity=Decimal(c["included_quantity"]),
                success_rate=Decimal(c["success_rate"]),
                success_rate_sd=Decimal(c["success_rate_sd"]),
                cap_per_period=_dec(c["cap_per_period"]),
                label=c["label"],
                first_tier_fee_at_zero=c.get("first_tier_fee_at_zero", False),
                percentage=Decimal(c.get("percentage", "0")),
                free_amount=Decimal(c.get("free_amount", "0")),
                min_per_transaction=_dec(c.get("min_per_transaction")),
                max_per_transaction=_dec(c.get("max_per_transaction")),
                commitment_months=int(c.get("commitment_months", 0)),
                overage_pct=Decimal(c.get("overage_pct", "0")),
                rollover=c.get("rollover", False),
            )
            for c in data["components"]
        ),
        work_units=tuple(WorkUnitSpec(**w) for w in data["work_units"]),
        volumes=tuple(
            Volume(
                v["work_unit"],
                Decimal(v["monthly_quantity"]),
                Decimal(v["cv"]),
                Decimal(v.get("unit_value", "0")),
                Decimal(v.get("unit_value_cv", "0")),
            )
            for v in data["volumes"]
        ),
        cost_lines=tuple(
            CostLine(
                c["work_unit"],
                CostCategory(c["category"]),
                Decimal(c["unit_cost"]),
                Decimal(c["cv"]),
                c.get("conversion", ""),
            )
            for c in data["cost_lines"]
        ),
        seats=Decimal(data["seats"]),
        discount_pct=Decimal(data["discount_pct"]),
        term_months=int(data["term_months"]),
        fixed_monthly_cost=Decimal(data["fixed_monthly_cost"]),
        margin_floor=Decimal(data["margin_floor"]),
        risk_adjustments=tuple(
            RiskAdjustment(
                kind=RiskKind(r["kind"]),
                option=r["option"],
                price_uplift_pct=Decimal(r["price_uplift_pct"]),
                fee=Decimal(r["fee"]),
                discount_pct=Decimal(r["discount_pct"]),
                human_review_cost_multiplier=Decimal(r["human_review_cost_multiplier"]),
            )
            for r in data["risk_adjustments"]
        ),
        risk_selection=RiskSelection(**data["risk_selection"]),
        simulation=SimulationSettings(**data["simulation"]),
        minor_units=int(data.get("minor_units", 2)),
    )
