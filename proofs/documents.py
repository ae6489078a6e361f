"""The quote a customer holds: the approved snapshot's prices, in the customer's words.

Built only from what the customer is sold and pays: the frozen inputs and result of the deal's
approved quote snapshot (prices, discount, term, the simulated monthly bill), the work units it
sells with their acceptance criteria, the rollback path, the seller and the snapshot's hash. The
snapshot's costs, margins, floor, margin distribution and the approval chain stay out: nothing
here reads them, and the quote's own tests check that none of their figures reaches the page or
the PDF.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Max
from django.utils import timezone

from core.figures import exact, money, percent
from deals.lifecycle import latest_snapshot
from deals.models import Deal, Decision, QuoteSnapshot
from pricing.engine.types import ChargeModel
from pricing.models import WorkUnit

# Deals whose approved quote may be shown to the customer.
QUOTABLE_STATES = frozenset({Deal.Status.APPROVED, Deal.Status.WON})
# How long an approved quote's prices hold, from the day it was approved.
QUOTE_VALID_DAYS = 30
ZERO = Decimal("0")


def approved_snapshot(deal: Deal) -> QuoteSnapshot | None:
    """The snapshot the deal was approved on, while it still stands: the deal approved or won and
    not edited since (its revision is the snapshot's). None otherwise. One query."""
    if deal.status not in QUOTABLE_STATES:
        return None
    snapshot = latest_snapshot(deal)
    if snapshot is None or snapshot.revision != deal.revision:
        return None
    return snapshot


# Words


def count(value: Decimal | str) -> str:
    """1000.0000 -> '1,000'; 12.5 -> '12.5'."""
    number = exact(value)
    return "" if number is None else f"{number.normalize():,f}"


def unit_amount(value: Decimal | str, currency: str) -> str:
    """A unit price with the places it has, at least two: 2.500000 -> '2.50 USD', 0.0045 -> '0.0045 USD'."""
    number = exact(value)
    if number is None:
        return ""
    exponent = number.normalize().as_tuple().exponent
    places = min(6, max(2, -exponent if isinstance(exponent, int) else 2))
    return f"{number:,.{places}f} {currency}"


def plural(noun: str, how_many: Decimal | int = 2) -> str:
    """'resolved ticket' -> 'resolved tickets' (the last word), unless `how_many` is one."""
    if not noun or how_many == 1:
        return noun
    if noun.endswith(("s", "x", "ch", "sh")):
        return noun + "es"
    if noun.endswith("y") and noun[-2:-1] not in "aeiou":
        return noun[:-1] + "ies"
    return noun + "s"


def _tiers_in_words(tiers: list[dict[str, Any]], each: str, currency: str, share: bool) -> str:
    parts = []
    for tier in tiers:
        lower, upper = exact(tier["lower"]) or ZERO, exact(tier["upper"])
        if share:
            span = (
                f"above {money(lower, currency)}"
                if upper is None
                else f"up to {money(upper, currency)}"
                if lower == 0
                else f"{money(lower, currency)} to {money(upper, currency)}"
            )
            price = percent(tier["unit_price"], 2)
        else:
            span = (
                f"above {count(lower)}"
                if upper is None
                else f"up to {count(upper)}"
                if lower == 0
                else f"{count(lower)} to {count(upper)}"
            )
            price = f"{unit_amount(tier['unit_price'], currency)} {each}"
        fee = exact(tier["flat_fee"]) or ZERO
        parts.append(f"{span}: {price}" + (f" plus {money(fee, currency)} once reached" if fee else ""))
    return "; ".join(parts)


def component_terms(component: dict[str, Any], value_unit: str, *, currency: str, term_months: int) -> str:
    """What one price component charges, as the customer would say it."""
    model = ChargeModel(component["charge_model"])
    unit = component.get("billed_unit") or value_unit or "unit"
    units = plural(unit)
    amount = component["amount"]
    included = exact(component.get("included_quantity")) or ZERO
    free = (
        f" The first {count(included)} {plural(unit, included)} each month are included." if included else ""
    )
    if model is ChargeModel.FLAT:
        return f"{money(amount, currency)} a month."
    if model is ChargeModel.PER_SEAT:
        return f"{unit_amount(amount, currency)} per seat a month."
    if model is ChargeModel.PER_UNIT:
        return f"{unit_amount(amount, currency)} per {unit}.{free}"
    if model is ChargeModel.PACKAGE:
        return (
            f"{unit_amount(amount, currency)} per pack of {count(component['package_size'])} {units}; "
            f"a part pack is billed as a whole one.{free}"
        )
    if model is ChargeModel.GRADUATED:
        tiers = _tiers_in_words(component["tiers"], "each", currency, share=False)
        return f"Priced by tier, each tier's price applying to the {units} within it: {tiers}.{free}"
    if model is ChargeModel.VOLUME:
        tiers = _tiers_in_words(component["tiers"], "each", currency, share=False)
        return f"The month's total sets one price for all its {units}: {tiers}.{free}"
    if model is ChargeModel.MINIMUM_COMMITMENT:
        return (
            f"You pay at least {money(amount, currency)} a month: a month whose usage charges "
            "come to less is topped up to it."
        )
    if model is ChargeModel.TERM_COMMITMENT:
        months = int(component.get("commitment_months") or 0) or term_months
        words = (
            f"{money(amount, currency)} committed over {months} months, drawn down by the usage "
            "charges a month's share at a time."
        )
        overage = exact(component.get("overage_pct")) or ZERO
        if overage:
            words += f" Usage beyond a month's share is charged {count(overage)}% above these prices."
        if component.get("rollover"):
            words += " A month's unused share carries over to the following months of the commitment."
        return words
    if model is ChargeModel.OUTCOME:
        cap = exact(component.get("cap_per_period"))
        words = f"{unit_amount(amount, currency)} per {unit} that meets the acceptance criterion"
        words += f", at most {money(cap, currency)} a month." if cap is not None else "."
        return words + f" Estimated on {percent(component['success_rate'])} of {units} meeting it."
    if model is ChargeModel.PERCENTAGE:
        words = f"{percent(component.get('percentage', '0'), 2)} of each {unit}'s value"
        if exact(amount):
            words += f" plus {unit_amount(amount, currency)} per {unit}"
        low, high = exact(component.get("min_per_transaction")), exact(component.get("max_per_transaction"))
        if low is not None:
            words += f", at least {money(low, currency)}"
        if high is not None:
            words += f", at most {money(high, currency)}"
        words += f" per {unit}." if low is not None or high is not None else "."
        free_amount = exact(component.get("free_amount")) or ZERO
        if free_amount:
            words += f" The first {money(free_amount, currency)} of value each month pays no share."
        return words + free
    # Graduated percentage: bands of the month's summed value.
    bands = _tiers_in_words(component["tiers"], "", currency, share=True)
    return f"A share of the month's total value of {units}, by band: {bands}.{free}"


# Lines the engine adds to the components: the commitments' true-ups and the risk terms.
EXTRA_LINES = {
    "commitment_true_up": "The top-up to the minimum monthly commitment at the expected usage.",
    "commitment_drawdown": "The term commitment's unused share or overage at the expected usage.",
    "risk_uplift": "The price uplift for the indemnity and risk terms of this agreement.",
    "risk_fee": "The monthly fee for the compliance tier of this agreement.",
    "confidence_discount": "The reduction for the high-confidence tier.",
}


# The quote


@dataclass(frozen=True)
class QuoteLine:
    label: str
    terms: str
    basis: str  # the expected quantity the monthly amount is priced on ("" for fixed fees)
    monthly: Decimal


@dataclass(frozen=True)
class SoldUnit:
    name: str
    value_unit: str
    monthly_quantity: Decimal
    acceptance_criterion: str
    metering_source: str


@dataclass(frozen=True)
class BillRange:
    p10: Decimal
    p50: Decimal
    p90: Decimal

    def chart(self, width: int = 480) -> dict[str, Any]:
        """Positions on a scale from zero to a little past P90, for the page's small chart."""
        top = self.p90 * Decimal("1.15") if self.p90 > 0 else Decimal("1")

        def x(value: Decimal) -> int:
            return int((value / top * width).to_integral_value())

        return {"width": width, "p10": x(self.p10), "p50": x(self.p50), "p90": x(self.p90), "top": top}


@dataclass(frozen=True)
class CustomerQuote:
    deal: Deal
    snapshot: QuoteSnapshot
    plan: str
    currency: str
    lines: tuple[QuoteLine, ...]
    list_monthly: Decimal
    discount_pct: Decimal
    discount_amount: Decimal
    net_monthly: Decimal
    term_months: int
    total_contract_value: Decimal
    bill: BillRange
    units: tuple[SoldUnit, ...]
    rollback_path: str
    issued: date
    valid_until: date
    accepted: bool
    seller_name: str
    seller_email: str

    @property
    def expired(self) -> bool:
        return not self.accepted and timezone.localdate() > self.valid_until

    def figures(self) -> dict[str, Decimal]:
        """The money figures the document shows, by name (its tests hold the PDF to them)."""
        return {
            "list_monthly": self.list_monthly,
            "discount_amount": self.discount_amount,
            "net_monthly": self.net_monthly,
            "total_contract_value": self.total_contract_value,
            "bill_p10": self.bill.p10,
            "bill_p50": self.bill.p50,
            "bill_p90": self.bill.p90,
            **{f"line {line.label}": line.monthly for line in self.lines},
        }


def _issued(snapshot: QuoteSnapshot) -> date:
    """The day the snapshot's last approval was given (its submission day when no rule asked
    for one). One query."""
    decided = Decision.objects.filter(step__snapshot=snapshot, outcome=Decision.Outcome.APPROVE).aggregate(
        last=Max("decided_at")
    )["last"]
    return timezone.localdate(decided or snapshot.created_at)


def _units(codes: Iterable[str]) -> dict[str, WorkUnit]:
    return {u.code: u for u in WorkUnit.objects.filter(code__in=list(codes))}


def customer_quote(deal: Deal, snapshot: QuoteSnapshot) -> CustomerQuote:
    """The customer's quote from `snapshot` (the deal's approved one, see approved_snapshot), in
    two queries; `deal` comes with its customer, owner and plan."""
    inputs, result = snapshot.inputs, snapshot.result
    currency: str = result["currency"]
    term_months = int(inputs["term_months"])
    value_units = {w["code"]: w["value_unit"] for w in inputs["work_units"]}
    volumes = {v["work_unit"]: Decimal(v["monthly_quantity"]) for v in inputs["volumes"]}
    components = {c["code"]: c for c in inputs["components"]}
    lines = []
    for line in result["lines"]:
        component = components.get(line["code"])
        if component is None:
            terms, basis = EXTRA_LINES.get(line["code"], ""), ""
        else:
            unit = line["work_unit"] or ""
            terms = component_terms(
                component, value_units.get(unit, ""), currency=currency, term_months=term_months
            )
            quantity = Decimal(line["quantity"])
            if unit:
                value_unit = component.get("billed_unit") or value_units.get(unit, "")
                basis = f"{count(quantity)} {plural(value_unit, quantity)} a month expected"
            elif line["charge_model"] == ChargeModel.PER_SEAT:
                basis = f"{count(quantity)} seat{'' if quantity == 1 else 's'}"
            else:
                basis = ""
        lines.append(QuoteLine(line["label"], terms, basis, Decimal(line["amount"])))
    sold = [code for code, quantity in volumes.items() if quantity > 0]
    rows = _units(sold)
    units = tuple(
        SoldUnit(
            name=rows[code].name,
            value_unit=rows[code].value_unit,
            monthly_quantity=volumes[code],
            acceptance_criterion=rows[code].acceptance_criterion,
            metering_source=rows[code].metering_source,
        )
        for code in sorted(sold, key=lambda c: rows[c].name if c in rows else c)
        if code in rows
    )
    simulation = result["simulation"]
    issued = _issued(snapshot)
    owner = deal.owner
    return CustomerQuote(
        deal=deal,
        snapshot=snapshot,
        plan=deal.plan_version.plan.name,
        currency=currency,
        lines=tuple(lines),
        list_monthly=Decimal(result["list_monthly"]),
        discount_pct=Decimal(inputs["discount_pct"]),
        discount_amount=Decimal(result["discount_amount"]),
        net_monthly=Decimal(result["net_monthly"]),
        term_months=term_months,
        total_contract_value=Decimal(result["total_contract_value"]),
        bill=BillRange(
            Decimal(simulation["bill_p10"]), Decimal(simulation["bill_p50"]), Decimal(simulation["bill_p90"])
        ),
        units=units,
        rollback_path=deal.rollback_path,
        issued=issued,
        valid_until=issued + timedelta(days=QUOTE_VALID_DAYS),
        accepted=deal.status == Deal.Status.WON,
        seller_name=(owner.get_full_name() or owner.get_username()) if owner else "",
        seller_email=owner.email if owner else "",
    )
