"""The deal builder's form: the deal's fields, then one volume per work unit the chosen plan
prices and one cost line per work unit and cost category, each line's catalog value beside it.

Fields take the model's own form fields (limits and validators as the model has them); numbers are
`core.inputs`' strict ones. What the services refuse lands beside the field it names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import Model

from core import inputs
from deals.models import Customer, Deal, DealCostLine, DealVolume
from deals.selectors import customers_visible_to
from deals.services import PRICE_FIELDS
from pricing.engine.types import VALUE_CHARGES, CostCategory
from pricing.models import COST_CATEGORY_CHOICES, PlanVersion, WorkUnit

CATEGORY_LABELS = dict(COST_CATEGORY_CHOICES)
# The deal's own fields the seller types: the price fields (the plan and its currency apart), the
# name, the rollback path and notes.
DEAL_FIELDS = ("name", *sorted(PRICE_FIELDS - {"plan_version", "currency"}), "rollback_path", "notes")


def model_field(model: type[Model], name: str, **kwargs: Any) -> forms.Field:
    """The model column's own form field, numbers strict (ASCII digits only)."""
    column: Any = model._meta.get_field(name)
    if column.get_internal_type() == "DecimalField":
        kwargs.setdefault("form_class", inputs.DecimalField)
    elif column.get_internal_type() == "TextField":
        kwargs.setdefault("form_class", inputs.TextField)
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 2}))
    formfield: forms.Field | None = column.formfield(**kwargs)
    assert formfield is not None
    if column.get_internal_type() != "TextField":
        # A model's range checks run on save only; here they answer as the seller types.
        formfield.validators = [*formfield.validators, *column.validators]
    return formfield


@dataclass
class CostRow:
    category: str
    label: str
    unit_cost: str  # field names
    cv: str
    catalog_cost: Decimal | None = None
    catalog_cv: Decimal | None = None


@dataclass
class UnitRows:
    """One priced work unit: its volume's fields and its cost lines."""

    unit: WorkUnit
    value_priced: bool  # a share-of-value price reads the value one unit of work carries
    quantity: str
    cv: str
    unit_value: str
    unit_value_cv: str
    costs: list[CostRow] = field(default_factory=list)
    hint: str = ""


def priced_units(version: PlanVersion | None) -> list[tuple[WorkUnit, bool]]:
    """The work units the plan version prices, by name, each with whether a share of value
    prices it; the version's components come prefetched with their work units."""
    if version is None:
        return []
    units: dict[int, tuple[WorkUnit, bool]] = {}
    for component in version.components.all():
        unit = component.work_unit
        if unit is None:
            continue
        by_value = units[unit.pk][1] if unit.pk in units else False
        units[unit.pk] = (unit, by_value or component.charge_model in VALUE_CHARGES)
    return sorted(units.values(), key=lambda pair: (pair[0].name, pair[0].pk))


class DealBuilderForm(forms.Form):
    customer = forms.ModelChoiceField(
        queryset=Customer.objects.none(), required=False, empty_label="— a new customer —"
    )
    new_customer = inputs.TextField(
        required=False, max_length=200, label="New customer's name", help_text="When the customer is new."
    )
    plan_version = forms.ModelChoiceField(queryset=PlanVersion.objects.none(), label="Plan")

    def __init__(
        self,
        *args: Any,
        user: Any,
        versions: list[PlanVersion],
        deal: Deal | None = None,
        volumes: dict[int, DealVolume] | None = None,
        cost_lines: dict[tuple[int, str], DealCostLine] | None = None,
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        self.deal = deal
        customer: Any = self.fields["customer"]
        customer.queryset = customers_visible_to(user).order_by("name", "id")
        plan: Any = self.fields["plan_version"]
        plan.queryset = PlanVersion.objects.filter(pk__in=[v.pk for v in versions])
        plan.label_from_instance = lambda version: f"{version.plan.name} (v{version.number})"
        for name in DEAL_FIELDS:
            self.fields[name] = model_field(Deal, name)
        self.fields["name"].label = "Deal name"
        self.fields["discount_pct"].label = "Discount (%)"
        self.fields["rollback_path"].required = False
        if deal is not None:
            self.initial.update({name: getattr(deal, name) for name in DEAL_FIELDS})
            self.initial["customer"] = deal.customer_id
            self.initial["plan_version"] = deal.plan_version_id
        by_id = {v.pk: v for v in versions}
        chosen = self.data.get("plan_version") if self.is_bound else self.initial.get("plan_version")
        try:
            self.version = by_id.get(int(chosen)) if chosen else None
        except (TypeError, ValueError):
            self.version = None
        if self.version is None and deal is not None and not self.is_bound:
            self.version = deal.plan_version
        self.units = [
            self._unit_rows(unit, by_value, volumes or {}, cost_lines or {})
            for unit, by_value in priced_units(self.version)
        ]

    def _unit_rows(
        self,
        unit: WorkUnit,
        by_value: bool,
        volumes: dict[int, DealVolume],
        cost_lines: dict[tuple[int, str], DealCostLine],
    ) -> UnitRows:
        prefix = f"unit-{unit.pk}"
        rows = UnitRows(
            unit,
            by_value,
            f"{prefix}-quantity",
            f"{prefix}-cv",
            f"{prefix}-value",
            f"{prefix}-value_cv",
        )
        volume = volumes.get(unit.pk)
        self.fields[rows.quantity] = model_field(
            DealVolume, "monthly_quantity", required=False, label=f"{unit.name}: units per month"
        )
        self.fields[rows.cv] = model_field(DealVolume, "cv", label="Volume's variation (cv)")
        self.fields[rows.unit_value] = model_field(DealVolume, "unit_value", label="Value of one unit")
        self.fields[rows.unit_value_cv] = model_field(
            DealVolume, "unit_value_cv", label="Value's variation (cv)"
        )
        if volume is not None:
            self.initial.update(
                {
                    rows.quantity: volume.monthly_quantity,
                    rows.cv: volume.cv,
                    rows.unit_value: volume.unit_value,
                    rows.unit_value_cv: volume.unit_value_cv,
                }
            )
        for category in CostCategory:
            key = f"{prefix}-{category.value}"
            row = CostRow(category.value, CATEGORY_LABELS[category.value], f"{key}-unit_cost", f"{key}-cv")
            self.fields[row.unit_cost] = model_field(
                DealCostLine, "unit_cost", label=f"{unit.name}: {row.label.lower()} cost per unit"
            )
            self.fields[row.cv] = model_field(DealCostLine, "cv", label=f"{row.label} cost's variation (cv)")
            line = cost_lines.get((unit.pk, category.value))
            if line is not None:
                self.initial.update({row.unit_cost: line.unit_cost, row.cv: line.cv})
            rows.costs.append(row)
        return rows

    def field_for(self, key: str) -> str | None:
        """The form's field for a service's error key: "volumes[<code>].unit_value" or
        "cost_lines[<index>].unit_cost" name a row's field; a deal field names itself."""
        if key in self.fields:
            return key
        match = re.fullmatch(r"(volumes|cost_lines)\[([^\]]+)\]\.(\w+)", key)
        if match is None:
            return None
        rows_of, which, name = match.groups()
        if rows_of == "volumes":
            rows = next((r for r in self.units if r.unit.code == which), None)
            attribute = {"monthly_quantity": "quantity"}.get(name, name)
            return getattr(rows, attribute, None) if rows is not None else None
        costs = [row for rows in self.units for row in rows.costs]
        index = int(which) if which.isdigit() else len(costs)
        if index >= len(costs) or name not in ("unit_cost", "cv"):
            return None
        field: str = getattr(costs[index], name)
        return field

    def bound_units(self) -> list[dict[str, Any]]:
        """Each priced work unit's bound fields, for the template (which cannot look a field up
        by a name it computed)."""
        return [
            {
                "rows": rows,
                "volume": [self[rows.quantity], self[rows.cv]],
                "value": [self[rows.unit_value], self[rows.unit_value_cv]],
                "costs": [(row, self[row.unit_cost], self[row.cv]) for row in rows.costs],
            }
            for rows in self.units
        ]

    def fill_missing(self) -> None:
        """A work unit the posted form did not have yet (the plan was just changed) starts from its
        initial values, as if its rows had been on the page."""
        if not self.is_bound:
            return
        names = [
            name
            for rows in self.units
            for name in (rows.quantity, rows.cv, rows.unit_value, rows.unit_value_cv)
        ]
        missing = [name for name in names if name not in self.data]
        if not missing:
            return
        posted: Any = self.data
        data = posted.copy()
        for name in missing:
            value = self.initial.get(name, self.fields[name].initial)
            data[name] = "" if value is None else str(value)
        self.data = data

    def initial_data(self) -> dict[str, str]:
        """The initial values as a browser would post them, to price a saved draft as it stands."""
        data = {}
        for name, formfield in self.fields.items():
            value = self.initial.get(name, formfield.initial)
            if isinstance(formfield, forms.BooleanField):
                if value:
                    data[name] = "on"
            elif value is not None:
                data[name] = str(value)
        return data

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("customer") is None and not data.get("new_customer"):
            self.add_error("customer", "Choose a customer, or name a new one below.")
        elif data.get("customer") is not None and data.get("new_customer"):
            self.add_error("new_customer", "Choose a customer or name a new one, not both.")
        return data

    def deal_fields(self) -> dict[str, Any]:
        fields = {name: self.cleaned_data[name] for name in DEAL_FIELDS if name != "name"}
        fields["rollback_path"] = fields["rollback_path"] or ""
        fields["notes"] = fields["notes"] or ""
        return fields

    def volumes(self) -> dict[WorkUnit, tuple[Decimal, Decimal, Decimal, Decimal]]:
        """The volume of every work unit given one; a unit left empty has none."""
        data = self.cleaned_data
        return {
            rows.unit: (
                data[rows.quantity],
                data[rows.cv],
                data[rows.unit_value] if rows.value_priced else Decimal("0"),
                data[rows.unit_value_cv] if rows.value_priced else Decimal("0"),
            )
            for rows in self.units
            if data.get(rows.quantity) is not None
        }

    def cost_lines(self) -> list[dict[str, Any]]:
        """Every priced work unit and category: an empty cost follows the catalog, a zero is kept."""
        data = self.cleaned_data
        return [
            {
                "work_unit": rows.unit,
                "category": row.category,
                "unit_cost": data.get(row.unit_cost),
                "cv": data.get(row.cv),
            }
            for rows in self.units
            for row in rows.costs
        ]

    def quote_payload(self) -> dict[str, Any]:
        """The deal as the API's quote preview takes it (work units by code, numbers as text)."""
        assert self.version is not None
        return {
            "plan_version": self.version.pk,
            **{
                name: "" if value is None else str(value)
                for name, value in self.deal_fields().items()
                if name not in ("rollback_path", "notes")
            },
            "volumes": [
                {
                    "work_unit": unit.code,
                    "monthly_quantity": str(quantity),
                    "cv": str(cv),
                    "unit_value": str(value),
                    "unit_value_cv": str(value_cv),
                }
                for unit, (quantity, cv, value, value_cv) in self.volumes().items()
            ],
            "cost_lines": [
                {
                    "work_unit": line["work_unit"].code,
                    "category": line["category"],
                    "unit_cost": None if line["unit_cost"] is None else str(line["unit_cost"]),
                    "cv": None if line["cv"] is None else str(line["cv"]),
                }
                for line in self.cost_lines()
            ],
        }
