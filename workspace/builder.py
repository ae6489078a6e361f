"""The deal builder's live quote: the API's quote preview (`QuotePreviewSerializer.quote_input`
and the engine), the advisor's warnings and what would keep the deal from being submitted.

Nothing here prices anything itself; it reads the form into the body the API takes, so the
seller sees the same figures an integration previewing the same deal would get.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from rest_framework.exceptions import ValidationError as ApiValidationError

from deals.advisor import current_thresholds
from deals.checks import readiness_gaps
from deals.extensions import gate_failures, submission_gates
from deals.models import Deal
from deals.quoting import CatalogCosts
from deals.serializers import QuotePreviewSerializer, plan_version_queryset
from pricing.engine import EngineInputError, compute_quote, to_primitive
from pricing.engine.advisor import Warning, advise
from pricing.models import PlanVersion
from proofs.calibration import calibrated_defaults
from workspace.forms import CATEGORY_LABELS, DealBuilderForm


@dataclass(frozen=True)
class Preview:
    """The figures of the deal as typed (a quote result as the API writes it), or why there are none."""

    result: dict[str, Any] | None = None
    warnings: tuple[Warning, ...] = ()
    errors: list[str] = field(default_factory=list)
    gates: list[str] = field(default_factory=list)
    margin_floor: Decimal | None = None


def published_versions() -> list[PlanVersion]:
    """The plan versions a deal can be quoted on, with what the quote reads of them."""
    return list(
        plan_version_queryset()
        .filter(status=PlanVersion.Status.PUBLISHED)
        .select_related("plan")
        .order_by("plan__name", "-number")
    )


def catalog_values(form: DealBuilderForm) -> None:
    """Each cost row's catalog value in the plan's currency, shown beside what the seller types."""
    if form.version is None or not form.units:
        return
    catalog = CatalogCosts(rows.unit.pk for rows in form.units)
    currency = form.version.plan.currency
    for rows in form.units:
        for row in rows.costs:
            try:
                found = catalog.unit_cost_and_cv(rows.unit.pk, row.category, currency)
            except EngineInputError:  # a model without a rate: the preview names it
                found = None
            if found is not None:
                row.catalog_cost, row.catalog_cv = found[0], found[1]


def calibration_hints(form: DealBuilderForm) -> None:
    """A new deal's volume spreads start from what performed work says of each work unit (the
    latest calibration), the evidence named beside the field."""
    if form.deal is not None or not form.units:
        return
    fits = calibrated_defaults(rows.unit.pk for rows in form.units)
    for rows in form.units:
        fit = fits.get(rows.unit.pk)
        if fit is None or fit.volume_cv.value is None:
            continue
        form.initial[rows.cv] = fit.volume_cv.value
        rows.hint = (
            f"Volume cv {fit.volume_cv.value} from {fit.volume_cv.months} months of "
            f"{fit.volume_cv.deals} deals of this work."
        )


def flattened(detail: Any, prefix: str = "") -> list[str]:
    """The API's field-named errors as lines: "volumes[0].monthly_quantity: ..."."""
    if isinstance(detail, dict):
        return [
            line
            for name, value in detail.items()
            for line in flattened(value, f"{prefix}.{name}" if prefix else str(name))
        ]
    if isinstance(detail, list):
        if all(isinstance(item, str) for item in detail):
            return [f"{prefix}: {item}" if prefix else str(item) for item in detail]
        return [line for index, item in enumerate(detail) for line in flattened(item, f"{prefix}[{index}]")]
    return [f"{prefix}: {detail}" if prefix else str(detail)]


def submission_gaps(form: DealBuilderForm, deal: Deal | None, owner: Any) -> list[str]:
    """What would keep the deal as typed from being submitted: the deal's own gates judged on the
    form's values, and the evidence gates of the saved draft (a new deal's checklist opens once
    it is saved)."""
    draft = Deal(owner=owner, rollback_path=form.cleaned_data.get("rollback_path") or "")
    gaps = readiness_gaps(draft, [])
    if deal is not None and deal.pk:
        gaps.update(gate_failures(submission_gates, deal))
    else:
        gaps["evidence"] = ["The evidence checklist opens once the deal is saved."]
    return [message for messages in gaps.values() for message in messages]


def preview(form: DealBuilderForm, *, deal: Deal | None, owner: Any) -> Preview:
    """The quote of a valid form's deal, from the catalog as it is now; nothing is saved."""
    if form.version is None:
        return Preview()
    gates = submission_gaps(form, deal, owner)
    serializer = QuotePreviewSerializer(data=form.quote_payload())
    try:
        serializer.is_valid(raise_exception=True)
        quote = serializer.quote_input()
        result = compute_quote(quote)
    except ApiValidationError as error:
        return Preview(errors=flattened(error.detail), gates=gates, margin_floor=form.version.margin_floor)
    except EngineInputError as error:
        return Preview(errors=flattened(error.errors), gates=gates, margin_floor=form.version.margin_floor)
    return Preview(
        result=to_primitive(result),
        warnings=advise(quote, result, current_thresholds()),
        gates=gates,
        margin_floor=form.version.margin_floor,
    )


def quote_figures(result: dict[str, Any] | None, margin_floor: Decimal | None) -> dict[str, Any]:
    """What the quote panel shows beside the result: costs under their names, the floor crossed."""
    if not result:
        return {"costs": [], "below_floor": False}
    margin = result.get("gross_margin")
    return {
        "costs": [(CATEGORY_LABELS.get(key, key), cost) for key, cost in result["cost_by_category"].items()],
        "below_floor": margin is not None and margin_floor is not None and Decimal(margin) < margin_floor,
    }
