"""The workspace's one write of its own: a deal built for a customer that may be new.

Everything else the workspace changes goes through the domain's services (deal_update, the
lifecycle, the evidence services); this only joins a new customer and its first deal in one
transaction, so a refused deal leaves no customer behind.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction

from core.errors import DomainError
from deals.models import Customer, Deal
from deals.services import VolumeFigures, customer_save, deal_create
from pricing.models import PlanVersion, WorkUnit

if TYPE_CHECKING:
    from django.contrib.auth.models import User


@transaction.atomic
def deal_build(
    *,
    actor: User,
    customer: Customer | None,
    new_customer: str,
    name: str,
    plan_version: PlanVersion,
    volumes: dict[WorkUnit, VolumeFigures],
    cost_lines: list[dict[str, Any]],
    fields: dict[str, Any],
) -> Deal:
    """A draft deal owned by `actor`, for `customer` or for a new customer named `new_customer`
    (audited like any other), with its volumes and every cost line given."""
    if customer is None:
        if not new_customer.strip():
            raise DomainError({"customer": "Choose a customer, or name a new one."})
        if not actor.has_perm("deals.add_customer"):
            raise DomainError({"new_customer": "You may not add customers."}, code="forbidden")
        customer = customer_save(actor=actor, customer=Customer(name=new_customer.strip()))
    return deal_create(
        customer=customer,
        name=name,
        plan_version=plan_version,
        owner=actor,
        actor=actor,
        volumes=volumes,
        cost_lines=cost_lines,
        **fields,
    )
