"""Charge models, twice: exact Decimal for quotes, vectorised NumPy for the simulation.

The Decimal functions are the source of truth for every figure shown; the NumPy ones
evaluate the same formulas over many draws (tests check the two agree).
"""

from __future__ import annotations

import math
from decimal import ROUND_CEILING, Decimal

import numpy as np

from .money import ONE, ZERO, EngineInputError, FieldErrors, money
from .types import COMMITMENTS, TIERED_CHARGES, ChargeModel, PriceComponent, Tier


def validate_tiers(tiers: tuple[Tier, ...], field: str) -> None:
    """Tiers start at zero, follow each other with no gap and no overlap, the last is open."""
    errors: list[str] = []
    if not tiers:
        errors.append("a tiered price needs at least one tier.")
    for index, tier in enumerate(tiers):
        expected_lower = ZERO if index == 0 else tiers[index - 1].upper
        if expected_lower is not None and tier.lower != expected_lower:
            kind = "gap" if tier.lower > expected_lower else "overlap"
            errors.append(
                f"tier {index + 1} starts at {tier.lower} but must start at {expected_lower} "
                f"({kind} with the tier before)."
            )
        if tier.upper is not None and tier.upper <= tier.lower:
            errors.append(f"tier {index + 1} ends at {tier.upper}, not above its start {tier.lower}.")
        if tier.upper is None and index != len(tiers) - 1:
            errors.append(f"tier {index + 1} is open-ended but is not the last tier.")
        if tier.unit_price < 0 or tier.flat_fee < 0:
            errors.append(f"tier {index + 1} has a negative price.")
    if tiers and tiers[-1].upper is not None:
        errors.append("the last tier must be open-ended (no upper bound).")
    if errors:
        raise EngineInputError({field: errors})


def component_errors(component: PriceComponent, field: str, errors: FieldErrors) -> None:
    """What is wrong with one price component on its own, under `field` (the quote adds what
    depends on its work units)."""
    model = component.charge_model
    errors.non_negative(component.amount, f"{field}.amount")
    errors.non_negative(component.included_quantity, f"{field}.included_quantity")
    if model is ChargeModel.PACKAGE and component.package_size <= 0:
        errors.add(f"{field}.package_size", "must be greater than zero.")
    if model in TIERED_CHARGES:
        try:
            validate_tiers(component.tiers, f"{field}.tiers")
        except EngineInputError as error:
            errors.merge(error)
    if model is ChargeModel.GRADUATED_PERCENTAGE:
        for index, tier in enumerate(component.tiers):
            if tier.unit_price > ONE:
                errors.add(f"{field}.tiers", f"band {index + 1} charges a share above 1 ({tier.unit_price}).")
    if model is ChargeModel.PERCENTAGE:
        if not ZERO <= component.percentage <= ONE:
            errors.add(f"{field}.percentage", "must be between 0 and 1.")
        errors.non_negative(component.free_amount, f"{field}.free_amount")
        low, high = component.min_per_transaction, component.max_per_transaction
        for name, bound in (("min_per_transaction", low), ("max_per_transaction", high)):
            if bound is not None:
                errors.non_negative(bound, f"{field}.{name}")
        if low is not None and high is not None and high < low:
            errors.add(f"{field}.max_per_transaction", f"must not be below the minimum ({low}).")
    if model is ChargeModel.TERM_COMMITMENT:
        if component.commitment_months < 0:
            errors.add(f"{field}.commitment_months", "must not be negative (0: the deal's whole term).")
        errors.non_negative(component.overage_pct, f"{field}.overage_pct")
    if model is ChargeModel.OUTCOME:
        if not ZERO <= component.success_rate <= ONE:
            errors.add(f"{field}.success_rate", "must be between 0 and 1.")
        errors.non_negative(component.success_rate_sd, f"{field}.success_rate_sd")
        if component.cap_per_period is not None:
            errors.non_negative(component.cap_per_period, f"{field}.cap_per_period")


def billable_quantity(component: PriceComponent, quantity: Decimal) -> Decimal:
    return max(quantity - component.included_quantity, ZERO)


def graduated_amount(tiers: tuple[Tier, ...], quantity: Decimal) -> Decimal:
    """Each tier's rate applies to the units inside it; a tier's flat fee once it is entered."""
    total = ZERO
    for tier in tiers:
        if quantity <= tier.lower:
            break
        top = quantity if tier.upper is None else min(quantity, tier.upper)
        total += (top - tier.lower) * tier.unit_price + tier.flat_fee
    return total


def volume_amount(tiers: tuple[Tier, ...], quantity: Decimal) -> Decimal:
    """The tier the total lands in prices every unit."""
    if quantity <= 0:
        return ZERO
    for tier in tiers:
        if tier.upper is None or quantity <= tier.upper:
            return quantity * tier.unit_price + tier.flat_fee
    raise AssertionError("validated tiers always end open")


def tiered_amount(component: PriceComponent, billable: Decimal) -> Decimal:
    """A graduated or volume price over billable units, or percentage bands over summed value;
    at zero, the first tier's flat fee only where the tier set says it is charged there
    (`first_tier_fee_at_zero`)."""
    if billable <= 0:
        return component.tiers[0].flat_fee if component.first_tier_fee_at_zero else ZERO
    if component.charge_model is ChargeModel.VOLUME:
        return volume_amount(component.tiers, billable)
    return graduated_amount(component.tiers, billable)


def per_transaction(component: PriceComponent, fee: Decimal) -> Decimal:
    """One transaction's fee within the component's minimum and maximum per transaction."""
    if component.min_per_transaction is not None:
        fee = max(fee, component.min_per_transaction)
    if component.max_per_transaction is not None:
        fee = min(fee, component.max_per_transaction)
    return fee


def percentage_amount(component: PriceComponent, events: Decimal, unit_value: Decimal) -> Decimal:
    """A share of each billable transaction's value plus a fixed fee per transaction. The free
    events pay nothing; the transactions whose value the free amount covers pay only the fixed fee
    (none at all when there is none); every paying transaction is held within the minimum and
    maximum per transaction. Transactions are taken at the expected value each, so a free amount
    that ends inside one covers that fraction of it."""
    billable = max(events - component.included_quantity, ZERO)
    if billable <= 0:
        return ZERO
    covered = billable if unit_value <= 0 else min(billable, component.free_amount / unit_value)
    share_fee = per_transaction(component, component.percentage * unit_value + component.amount)
    fixed_fee = per_transaction(component, component.amount) if component.amount > 0 else ZERO
    return covered * fixed_fee + (billable - covered) * share_fee


def expected_results(component: PriceComponent, quantity: Decimal) -> Decimal:
    return quantity * component.success_rate


def charge_amount(
    component: PriceComponent, quantity: Decimal, seats: Decimal, unit_value: Decimal = ZERO, places: int = 2
) -> Decimal:
    """The monthly line total of one component, quantised to the minor unit (`places` decimals:
    cents unless told); a bad component, quantity,
    seat count or unit value is refused with the same field-named errors as a whole quote."""
    errors = FieldErrors()
    component_errors(component, f"components[{component.code}]", errors)
    for name, value in (("quantity", quantity), ("seats", seats), ("unit_value", unit_value)):
        if not isinstance(value, Decimal) or not value.is_finite():
            errors.add(name, f"must be a finite Decimal (got {value!r}).")
        else:
            errors.non_negative(value, name)
    errors.raise_if_any()
    return line_amount(component, quantity, seats, unit_value, places)


def line_amount(
    component: PriceComponent, quantity: Decimal, seats: Decimal, unit_value: Decimal = ZERO, places: int = 2
) -> Decimal:
    """`charge_amount` for inputs already validated (a whole quote's)."""
    model = component.charge_model
    if model is ChargeModel.FLAT:
        amount = component.amount
    elif model is ChargeModel.PER_SEAT:
        amount = component.amount * seats
    elif model is ChargeModel.PER_UNIT:
        amount = component.amount * billable_quantity(component, quantity)
    elif model is ChargeModel.PACKAGE:
        packages = (billable_quantity(component, quantity) / component.package_size).to_integral_value(
            rounding=ROUND_CEILING
        )
        amount = packages * component.amount
    elif model is ChargeModel.GRADUATED_PERCENTAGE:
        amount = tiered_amount(component, billable_quantity(component, quantity) * unit_value)
    elif model in TIERED_CHARGES:
        amount = tiered_amount(component, billable_quantity(component, quantity))
    elif model is ChargeModel.PERCENTAGE:
        amount = percentage_amount(component, quantity, unit_value)
    elif model is ChargeModel.OUTCOME:
        amount = expected_results(component, quantity) * component.amount
        if component.cap_per_period is not None:
            amount = min(amount, component.cap_per_period)
    else:  # a minimum or term commitment trues up the other lines, see stack.py
        amount = ZERO
    return money(amount, places)


# Vectorised twins, over float64 arrays of draws.

# Decimal inputs are exact; their float images are not, so a difference such as
# 131.3 - 100 or a quotient such as 2.1 / 0.3 can land a hair past a package or tier edge
# (31.300000000000011, 7.000000000000001) and charge a whole package or tier too much.
# Rounding to nine places puts such values back on the edge; draws far from it are unchanged.
SNAP_PLACES = 9


def _snap(values: np.ndarray) -> np.ndarray:
    return np.round(values, SNAP_PLACES)


def _billable(component: PriceComponent, quantity: np.ndarray, *, snap: bool) -> np.ndarray:
    if not component.included_quantity:
        return quantity  # drawn volumes are never negative
    over = quantity - float(component.included_quantity)
    return np.maximum(_snap(over) if snap else over, 0.0)


def _per_transaction(component: PriceComponent, fee: np.ndarray | float) -> np.ndarray | float:
    low, high = component.min_per_transaction, component.max_per_transaction
    if low is None and high is None:
        return fee
    return np.clip(fee, -math.inf if low is None else float(low), math.inf if high is None else float(high))


def _percentage_amounts(
    component: PriceComponent, quantity: np.ndarray, unit_value: np.ndarray | float
) -> np.ndarray:
    billable = _billable(component, quantity, snap=False)
    free = float(component.free_amount)
    with np.errstate(divide="ignore", invalid="ignore"):
        covered = np.where(unit_value > 0, np.minimum(billable, free / unit_value), billable)
    share_fee = _per_transaction(
        component, float(component.percentage) * unit_value + float(component.amount)
    )
    fixed_fee = _per_transaction(component, float(component.amount)) if component.amount > 0 else 0.0
    return np.asarray(covered * fixed_fee + (billable - covered) * share_fee)


def charge_amounts(
    component: PriceComponent,
    quantity: np.ndarray,
    seats: float | np.ndarray,
    success_rate: np.ndarray | float | None = None,
    unit_value: np.ndarray | float = 0.0,
) -> np.ndarray:
    """The component's amount in every draw. `quantity` is an array of draws (one row per deal
    in a block); `seats` a number or a column of them, one per row; `unit_value` the value each
    unit of work carries (percentage charges), a number or an array like `quantity`."""
    model = component.charge_model
    amount = float(component.amount)
    if model is ChargeModel.FLAT:
        return np.broadcast_to(amount, quantity.shape)
    if model is ChargeModel.PER_SEAT:
        return np.broadcast_to(amount * seats, quantity.shape)
    if model is ChargeModel.OUTCOME:
        rate = float(component.success_rate) if success_rate is None else success_rate
        revenue = quantity * rate * amount
        if component.cap_per_period is not None:
            revenue = np.minimum(revenue, float(component.cap_per_period))
        return revenue
    if model in COMMITMENTS:  # a true-up or drawdown over the other lines, see stack.py
        return np.broadcast_to(0.0, quantity.shape)
    if model is ChargeModel.PER_UNIT:  # linear: no edge to snap to
        return _billable(component, quantity, snap=False) * amount
    if model is ChargeModel.PERCENTAGE:
        return _percentage_amounts(component, quantity, unit_value)
    billable = _billable(component, quantity, snap=True)
    if model is ChargeModel.GRADUATED_PERCENTAGE:
        billable = _snap(billable * unit_value)
    if model is ChargeModel.PACKAGE:
        return np.asarray(np.ceil(_snap(billable / float(component.package_size))) * amount)
    at_zero = float(component.tiers[0].flat_fee) if component.first_tier_fee_at_zero else 0.0
    if model in (ChargeModel.GRADUATED, ChargeModel.GRADUATED_PERCENTAGE):
        # Tier by tier rather than over a (draws x tiers) array: the same sums, in the same
        # order, whatever the shape of the draws.
        total = np.zeros(quantity.shape)
        for tier in component.tiers:
            lower = float(tier.lower)
            width = math.inf if tier.upper is None else float(tier.upper) - lower
            inside = np.clip(billable - lower, 0.0, width)
            total += inside * float(tier.unit_price) + (billable > lower) * float(tier.flat_fee)
        return np.where(billable > 0, total, at_zero) if at_zero else total
    uppers = np.array([math.inf if t.upper is None else float(t.upper) for t in component.tiers])
    prices = np.array([float(t.unit_price) for t in component.tiers])
    fees = np.array([float(t.flat_fee) for t in component.tiers])
    index = np.searchsorted(uppers, billable, side="left")
    return np.where(billable > 0, billable * prices[index] + fees[index], at_zero)
