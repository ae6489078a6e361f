"""Plain data the engine works on: no Django, no floats in money."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from .money import ONE, ZERO


class Surface(StrEnum):
    ACCESS = "access"
    USAGE = "usage"
    OUTCOME = "outcome"
    RISK_ADJUSTED = "risk_adjusted"


class ChargeModel(StrEnum):
    FLAT = "flat"
    PER_SEAT = "per_seat"
    PER_UNIT = "per_unit"
    PACKAGE = "package"
    GRADUATED = "graduated"
    VOLUME = "volume"
    MINIMUM_COMMITMENT = "minimum_commitment"
    # An amount committed for a number of months, drawn down by the metered lines.
    TERM_COMMITMENT = "term_commitment"
    OUTCOME = "outcome"
    # A share of the value each unit of work carries (a recovered dollar, an approved claim).
    PERCENTAGE = "percentage"
    GRADUATED_PERCENTAGE = "graduated_percentage"


SURFACE_OF_CHARGE = {
    ChargeModel.FLAT: Surface.ACCESS,
    ChargeModel.PER_SEAT: Surface.ACCESS,
    ChargeModel.PER_UNIT: Surface.USAGE,
    ChargeModel.PACKAGE: Surface.USAGE,
    ChargeModel.GRADUATED: Surface.USAGE,
    ChargeModel.VOLUME: Surface.USAGE,
    ChargeModel.MINIMUM_COMMITMENT: Surface.USAGE,
    ChargeModel.TERM_COMMITMENT: Surface.USAGE,
    ChargeModel.OUTCOME: Surface.OUTCOME,
    ChargeModel.PERCENTAGE: Surface.OUTCOME,
    ChargeModel.GRADUATED_PERCENTAGE: Surface.OUTCOME,
}
# Charges metered per work unit; a minimum or term commitment trues these up.
COMMITMENTS = frozenset({ChargeModel.MINIMUM_COMMITMENT, ChargeModel.TERM_COMMITMENT})
METERED_CHARGES = frozenset(
    {
        ChargeModel.PER_UNIT,
        ChargeModel.PACKAGE,
        ChargeModel.GRADUATED,
        ChargeModel.VOLUME,
        ChargeModel.OUTCOME,
        ChargeModel.PERCENTAGE,
        ChargeModel.GRADUATED_PERCENTAGE,
    }
)
# Charges with tiers: over units (graduated, volume) or over the summed value (percentage bands).
TIERED_CHARGES = frozenset({ChargeModel.GRADUATED, ChargeModel.VOLUME, ChargeModel.GRADUATED_PERCENTAGE})
# Charges on the value of the work rather than its count: they read the volume's unit value.
VALUE_CHARGES = frozenset({ChargeModel.PERCENTAGE, ChargeModel.GRADUATED_PERCENTAGE})
# Fields added after snapshots were frozen: left out of the canonical form at their default.
ADDED = {"omit_when_default": True}


class CostCategory(StrEnum):
    MODEL = "model"
    INFRA = "infra"
    HUMAN_REVIEW = "human_review"
    SUPPORT = "support"


class RiskKind(StrEnum):
    REVIEW_LEVEL = "review_level"
    INDEMNITY = "indemnity"
    COMPLIANCE_TIER = "compliance_tier"
    CONFIDENCE_TIER = "confidence_tier"


@dataclass(frozen=True)
class Tier:
    """Covers quantities in (lower, upper]; upper None means open-ended. In percentage bands the
    bounds are amounts of summed value and `unit_price` is the share of it charged."""

    lower: Decimal
    upper: Decimal | None
    unit_price: Decimal
    flat_fee: Decimal = ZERO


@dataclass(frozen=True)
class PriceComponent:
    code: str
    charge_model: ChargeModel
    # The flat fee, seat price, unit price, package price, commitment or fee per result.
    amount: Decimal = ZERO
    work_unit: str | None = None
    billed_unit: str = ""
    package_size: Decimal = ONE
    tiers: tuple[Tier, ...] = ()
    included_quantity: Decimal = ZERO
    success_rate: Decimal = ONE
    success_rate_sd: Decimal = ZERO
    cap_per_period: Decimal | None = None
    label: str = ""
    # Whether a tier set's first flat fee is charged when no unit is billable; billing engines
    # differ, so each tier set says. Left out of a snapshot while False (see quote.to_primitive).
    first_tier_fee_at_zero: bool = field(default=False, metadata=ADDED)
    # Percentage: the share of each unit's value charged (`amount` is then the fixed fee per
    # event, `included_quantity` the free events); the first `free_amount` of summed value pays no
    # share; each transaction pays at least `min_per_transaction` and at most `max_per_transaction`.
    percentage: Decimal = field(default=ZERO, metadata=ADDED)
    free_amount: Decimal = field(default=ZERO, metadata=ADDED)
    min_per_transaction: Decimal | None = field(default=None, metadata=ADDED)
    max_per_transaction: Decimal | None = field(default=None, metadata=ADDED)
    # Term commitment: `amount` covers `commitment_months` (0: the deal's whole term), drawn down
    # by the metered lines a month's share at a time; usage past a month's share pays
    # `overage_pct` on top of the plan's rates; with `rollover`, a month's unused share carries on
    # within the commitment's months (the simulation's outlook follows it).
    commitment_months: int = field(default=0, metadata=ADDED)
    overage_pct: Decimal = field(default=ZERO, metadata=ADDED)
    rollover: bool = field(default=False, metadata=ADDED)

    @property
    def surface(self) -> Surface:
        return SURFACE_OF_CHARGE[self.charge_model]


@dataclass(frozen=True)
class WorkUnitSpec:
    code: str
    value_unit: str
    cost_unit: str
    attribution_defensible: bool = True


@dataclass(frozen=True)
class Volume:
    """Expected monthly quantity of one work unit, with its coefficient of variation."""

    work_unit: str
    monthly_quantity: Decimal
    cv: Decimal = ZERO
    # The expected value one unit of work carries (percentage charges take a share of it), and
    # its coefficient of variation.
    unit_value: Decimal = field(default=ZERO, metadata=ADDED)
    unit_value_cv: Decimal = field(default=ZERO, metadata=ADDED)


@dataclass(frozen=True)
class CostLine:
    """Expected cost per work unit in one category, with its coefficient of variation."""

    work_unit: str
    category: CostCategory
    unit_cost: Decimal
    cv: Decimal = ZERO
    # How the unit cost was converted from another currency, shown beside it ("" when it was not).
    conversion: str = field(default="", metadata=ADDED)


@dataclass(frozen=True)
class TokenRate:
    """A model's prices per million tokens; cached input at the input price unless it has its own."""

    input_per_million: Decimal
    output_per_million: Decimal
    cached_input_per_million: Decimal | None = None


@dataclass(frozen=True)
class TokenUse:
    """The tokens one work unit takes: fresh input, input read from the provider's cache, output."""

    input_tokens: Decimal = ZERO
    output_tokens: Decimal = ZERO
    cached_input_tokens: Decimal = ZERO


@dataclass(frozen=True)
class RiskAdjustment:
    """What choosing `option` for `kind` does to price and cost."""

    kind: RiskKind
    option: str
    price_uplift_pct: Decimal = ZERO
    fee: Decimal = ZERO
    discount_pct: Decimal = ZERO
    human_review_cost_multiplier: Decimal = ONE


@dataclass(frozen=True)
class RiskSelection:
    review_level: str = "none"
    indemnity: bool = False
    compliance_tier: str = "standard"
    confidence_tier: str = "standard"

    def option_for(self, kind: RiskKind) -> str:
        if kind is RiskKind.INDEMNITY:
            return "yes" if self.indemnity else "no"
        option: str = getattr(self, kind.value)  # review_level, compliance_tier, confidence_tier
        return option


@dataclass(frozen=True)
class SimulationSettings:
    draws: int = 4096
    seed: int = 0
    histogram_bins: int = 20


@dataclass(frozen=True)
class QuoteInput:
    currency: str
    plan_currency: str
    components: tuple[PriceComponent, ...]
    work_units: tuple[WorkUnitSpec, ...] = ()
    volumes: tuple[Volume, ...] = ()
    cost_lines: tuple[CostLine, ...] = ()
    seats: Decimal = ZERO
    discount_pct: Decimal = ZERO
    term_months: int = 12
    fixed_monthly_cost: Decimal = ZERO
    margin_floor: Decimal = ZERO
    risk_adjustments: tuple[RiskAdjustment, ...] = ()
    risk_selection: RiskSelection = field(default_factory=RiskSelection)
    simulation: SimulationSettings = field(default_factory=SimulationSettings)
    # The decimals of the currency's minor unit: every amount is quantised to it (0 for JPY).
    minor_units: int = field(default=2, metadata=ADDED)


@dataclass(frozen=True)
class ChargeLine:
    code: str
    label: str
    charge_model: str
    surface: str
    work_unit: str | None
    quantity: Decimal
    amount: Decimal


@dataclass(frozen=True)
class TaskMargin:
    """The chapter's gross margin per task for one work unit."""

    work_unit: str
    price_per_task: Decimal
    cost_per_task: Decimal
    margin: Decimal | None


@dataclass(frozen=True)
class CommitmentOutlook:
    """A term commitment over simulated runs of its months: how often the customer uses it up
    before its last month, and the overage and the unused amount to expect per run."""

    months: int
    runs: int
    used_up_early: Decimal
    expected_overage: Decimal
    expected_unused: Decimal


@dataclass(frozen=True)
class MarginDriver:
    """An uncertain input and the share of the margin's variance it explains alone (its
    first-order Sobol' index, 0 to 1)."""

    input: str
    share: Decimal


@dataclass(frozen=True)
class SimulationResult:
    draws: int
    seed: int
    margin_p10: Decimal
    margin_p50: Decimal
    margin_p90: Decimal
    probability_below_floor: Decimal
    bill_p10: Decimal
    bill_p50: Decimal
    bill_p90: Decimal
    histogram_edges: tuple[Decimal, ...]
    histogram_counts: tuple[int, ...]
    commitment: CommitmentOutlook | None = field(default=None, metadata=ADDED)
    # Asked for only (compute_quote(drivers=True)): a snapshot's result does not carry them.
    drivers: tuple[MarginDriver, ...] = field(default=(), metadata=ADDED)


@dataclass(frozen=True)
class QuoteResult:
    engine_version: str
    currency: str
    lines: tuple[ChargeLine, ...]
    list_monthly: Decimal
    discount_amount: Decimal
    net_monthly: Decimal
    cost_by_category: dict[str, Decimal]
    fixed_monthly_cost: Decimal
    monthly_cost: Decimal
    margin_amount: Decimal
    gross_margin: Decimal | None
    task_margins: tuple[TaskMargin, ...]
    total_contract_value: Decimal
    surfaces: tuple[str, ...]
    simulation: SimulationResult
