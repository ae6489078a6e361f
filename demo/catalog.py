"""The demo's logins and catalog: one user per role, AI work units with their costs, hybrid plans."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from deals import roles
from deals.models import Team
from deals.services import deal_create
from pricing import services as pricing_services
from pricing.models import (
    CostComponent,
    PlanVersion,
    PriceComponent,
    PriceTier,
    PricingPlan,
    RiskAdjustment,
    WorkUnit,
)

DEMO_PASSWORD = "demo-pass-2026"
DEMO_USERS = [
    # username, group, full name
    ("seller", roles.SELLER, "Sam Seller"),
    ("seller2", roles.SELLER, "Sofia Seller"),
    ("desk", roles.DEAL_DESK, "Dana Desk"),
    ("finance", roles.FINANCE, "Frank Finance"),
    ("manager", roles.MANAGER, "Maya Manager"),
    ("legal", roles.LEGAL, "Lee Legal"),
    ("vp", roles.SALES_VP, "Val VP"),
]

WORK_UNITS = [
    {
        "code": "resolved-ticket",
        "name": "Resolved support ticket",
        "value_unit": "resolved ticket",
        "cost_unit": "token",
        "acceptance_criterion": "Closed by the agent and not reopened within 7 days.",
        "metering_source": "Helpdesk ticket events (closed, reopened)",
        "attribution_defensible": True,
        "attribution_rationale": "Each ticket is closed by the agent itself; reopen events are logged.",
        "costs": {
            "model": ("gpt-large", 6000, 900),
            "infra": D("0.07"),
            "human_review": D("0.20"),
            "support": D("0.10"),
        },
    },
    {
        "code": "contract-review",
        "name": "Accepted contract review",
        "value_unit": "accepted review",
        "cost_unit": "token",
        "acceptance_criterion": "Reviewer accepts the redline without a second pass.",
        "metering_source": "Document workflow acceptance events",
        "attribution_defensible": True,
        "attribution_rationale": "Acceptance is an explicit reviewer action on our output.",
        "costs": {
            "model": ("gpt-large", 40000, 6000),
            "infra": D("0.35"),
            "human_review": D("4.50"),
            "support": D("0.80"),
        },
    },
    {
        "code": "qualified-lead",
        "name": "Qualified sales lead",
        "value_unit": "qualified lead",
        "cost_unit": "token",
        "acceptance_criterion": "Accepted by sales as SQL within 14 days.",
        "metering_source": "CRM lead stage changes",
        "attribution_defensible": False,
        "attribution_rationale": "Leads are also touched by marketing campaigns; attribution is shared.",
        "costs": {
            "model": ("gpt-small", 12000, 1500),
            "infra": D("0.05"),
            "human_review": D("0.60"),
            "support": D("0.15"),
        },
    },
    {
        "code": "processed-invoice",
        "name": "Processed invoice",
        "value_unit": "processed invoice",
        "cost_unit": "page",
        "acceptance_criterion": "Posted to the ledger with no manual correction.",
        "metering_source": "ERP posting log",
        "attribution_defensible": True,
        "attribution_rationale": "Posting without correction is measured per invoice.",
        "costs": {
            "model": ("gpt-small", 3000, 400),
            "infra": D("0.02"),
            "human_review": D("0.05"),
            "support": D("0.03"),
        },
    },
    {
        # Revenue recovered from overdue invoices, priced as a share of each invoice's amount.
        "code": "recovered-revenue",
        "name": "Recovered revenue",
        "value_unit": "recovered invoice",
        "cost_unit": "token",
        "acceptance_criterion": "An invoice overdue 90 days or more is paid within 60 days of the "
        "agent's outreach.",
        "metering_source": "Accounts-receivable payment events matched to the agent's outreach",
        "attribution_defensible": True,
        "attribution_rationale": "Only invoices with no other collection activity are counted; each "
        "payment is matched to the outreach that preceded it.",
        "costs": {
            "model": ("gpt-large", 9000, 1500),
            "infra": D("0.06"),
            "human_review": D("1.20"),
            "support": D("0.40"),
        },
    },
]

CUSTOMERS = [
    ("Northwind Health", "Healthcare"),
    ("Contoso Retail", "Retail"),
    ("Fabrikam Insurance", "Insurance"),
    ("Tailspin Logistics", "Logistics"),
    ("Wide World Importers", "Wholesale"),
    ("Adventure Works Legal", "Legal services"),
    ("Litware Bank", "Financial services"),
    ("Proseware Telecom", "Telecom"),
    ("Woodgrove Utilities", "Utilities"),
    ("Alpine Ski House", "Hospitality"),
]


def tiers(*rows):
    return [(D(lo), None if hi is None else D(hi), D(price)) for lo, hi, price in rows]


PLANS = [
    {
        "code": "support-hybrid",
        "name": "Support automation (hybrid)",
        "floor": D("0.60"),
        "components": [
            ("platform", "Platform fee", "flat", None, {"amount": D("1500")}),
            ("agents", "Supervisor seats", "per_seat", None, {"amount": D("45")}),
            (
                "tickets",
                "Resolved tickets",
                "graduated",
                "resolved-ticket",
                {"tiers": tiers(("0", "5000", "1.60"), ("5000", "20000", "1.30"), ("20000", None, "1.05"))},
            ),
            (
                "commit",
                "Minimum monthly commitment",
                "minimum_commitment",
                None,
                {"amount": D("4000")},
            ),
        ],
    },
    {
        "code": "contract-outcome",
        "name": "Contract review (outcome)",
        "floor": D("0.55"),
        "components": [
            ("platform", "Platform fee", "flat", None, {"amount": D("2500")}),
            (
                "accepted",
                "Fee per accepted review",
                "outcome",
                "contract-review",
                {"amount": D("38"), "success_rate": D("0.82"), "success_rate_sd": D("0.06")},
            ),
        ],
    },
    {
        "code": "lead-outcome",
        "name": "Lead qualification (outcome with cap)",
        "floor": D("0.50"),
        "components": [
            ("seats", "SDR seats", "per_seat", None, {"amount": D("60")}),
            (
                "leads",
                "Fee per qualified lead",
                "outcome",
                "qualified-lead",
                {
                    "amount": D("9"),
                    "success_rate": D("0.35"),
                    "success_rate_sd": D("0.10"),
                    "cap_per_period": D("40000"),
                },
            ),
        ],
    },
    {
        "code": "invoice-volume",
        "name": "Invoice processing (volume tiers)",
        "floor": D("0.65"),
        "components": [
            (
                "invoices",
                "Processed invoices",
                "volume",
                "processed-invoice",
                {
                    "tiers": tiers(
                        ("0", "10000", "0.45"), ("10000", "50000", "0.38"), ("50000", None, "0.30")
                    ),
                    "included_quantity": D("500"),
                },
            ),
            (
                "pack",
                "Exception handling packs of 100",
                "package",
                "processed-invoice",
                {"amount": D("12"), "package_size": D("100")},
            ),
            (
                "commit",
                "Minimum monthly commitment",
                "minimum_commitment",
                None,
                {"amount": D("2000")},
            ),
        ],
    },
    {
        "code": "revenue-recovery",
        "name": "Revenue recovery (share of value)",
        "floor": D("0.60"),
        "components": [
            ("platform", "Platform fee", "flat", None, {"amount": D("1000")}),
            (
                "recovered",
                "Share of recovered revenue",
                "percentage",
                "recovered-revenue",
                {
                    "percentage": D("0.08"),
                    "amount": D("0.50"),
                    "min_per_transaction": D("5"),
                    "max_per_transaction": D("250"),
                },
            ),
        ],
    },
]

# The demo's recovery deal: overdue invoices a month, the average amount one recovers, and its spread.
RECOVERY_VOLUME = (D("900"), D("0.3"), D("1850"), D("0.6"))

RISK_OPTIONS = [
    ("review_level", "full", {"human_review_cost_multiplier": D("2.5")}),
    ("review_level", "sampled", {"human_review_cost_multiplier": D("1")}),
    ("review_level", "none", {"human_review_cost_multiplier": D("0.2")}),
    ("indemnity", "yes", {"price_uplift_pct": D("8")}),
    ("compliance_tier", "regulated", {"fee": D("750")}),
    ("confidence_tier", "high", {"discount_pct": D("3")}),
]


def create_users(stdout=None) -> dict[str, object]:
    User = get_user_model()
    users = {}
    for username, group, full_name in DEMO_USERS:
        first, last = full_name.split(" ", 1)
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "first_name": first,
                "last_name": last,
                "email": f"{username}@example.com",
                "is_staff": True,
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        user.groups.add(Group.objects.get(name=group))
        users[username] = user
    admin, created = User.objects.get_or_create(
        username="admin",
        defaults={"is_staff": True, "is_superuser": True, "email": "admin@example.com"},
    )
    if created:
        admin.set_password(DEMO_PASSWORD)
        admin.save()
    users["admin"] = admin
    team, _ = Team.objects.get_or_create(name="Enterprise West", defaults={"manager": users["manager"]})
    team.members.add(users["seller"], users["seller2"])
    return users


def create_catalog() -> tuple[dict[str, WorkUnit], dict[str, PlanVersion]]:
    pricing_services.model_rate_create(
        actor=None,
        model_name="gpt-large",
        input_per_million=D("3.00"),
        output_per_million=D("12.00"),
        effective_from=date(2026, 1, 1),
    )
    pricing_services.model_rate_create(
        actor=None,
        model_name="gpt-large",
        input_per_million=D("2.50"),
        output_per_million=D("10.00"),
        effective_from=date(2026, 7, 1),
    )
    pricing_services.model_rate_create(
        actor=None,
        model_name="gpt-small",
        input_per_million=D("0.40"),
        output_per_million=D("1.60"),
        effective_from=date(2026, 1, 1),
    )
    units = {}
    for spec in WORK_UNITS:
        spec = dict(spec)
        costs = spec.pop("costs")
        unit = WorkUnit.objects.create(**spec)
        units[unit.code] = unit
        for category, value in costs.items():
            if category == "model":
                model_name, tokens_in, tokens_out = value
                CostComponent.objects.create(
                    work_unit=unit,
                    category=category,
                    model_name=model_name,
                    input_tokens_per_unit=D(tokens_in),
                    output_tokens_per_unit=D(tokens_out),
                    cv=D("0.35"),
                )
            else:
                CostComponent.objects.create(
                    work_unit=unit, category=category, expected_unit_cost=value, cv=D("0.25")
                )

    versions = {}
    for spec in PLANS:
        plan = PricingPlan.objects.create(code=spec["code"], name=spec["name"], currency="USD")
        version = pricing_services.plan_version_create_draft(actor=None, plan=plan)
        version.margin_floor = spec["floor"]
        version.save()
        for position, (code, label, model, unit_code, params) in enumerate(spec["components"]):
            params = dict(params)
            tier_rows = params.pop("tiers", [])
            component = PriceComponent.objects.create(
                version=version,
                code=code,
                label=label,
                charge_model=model,
                position=position,
                work_unit=units[unit_code] if unit_code else None,
                billed_unit=units[unit_code].value_unit if unit_code else "",
                **params,
            )
            for lower, upper, price in tier_rows:
                PriceTier.objects.create(component=component, lower=lower, upper=upper, unit_price=price)
        for kind, option, effect in RISK_OPTIONS:
            RiskAdjustment.objects.create(version=version, kind=kind, option=option, **effect)
        versions[spec["code"]] = pricing_services.plan_version_publish(actor=None, version=version)
    return units, versions


def create_recovery_deal(customer, owner, units: dict[str, WorkUnit], versions: dict[str, PlanVersion]):
    """A draft priced as a share of the revenue it recovers: the deal carries the value of one
    recovered invoice, which the share is charged on."""
    version = versions["revenue-recovery"]
    return deal_create(
        customer=customer,
        name=f"{customer.name} · {version.plan.name}",
        plan_version=version,
        owner=owner,
        volumes={units["recovered-revenue"]: RECOVERY_VOLUME},
        term_months=24,
        rollback_path="Overdue invoices go back to the customer's collections team within one business day.",
    )


def print_logins(write) -> None:
    write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
    for username, group, _ in DEMO_USERS:
        write(f"  {username:<10} {group}")
    write(f"  {'admin':<10} superuser")
