from decimal import Decimal

from django.db import migrations

from core.seeding import grant

APPROVAL_ROWS = ["approvalstep", "decision", "quotesnapshot", "auditevent"]
GRANTS = {
    "Seller": {**{m: ["view"] for m in APPROVAL_ROWS}, "flag": ["view"]},
    "Deal desk": {
        **{m: ["view"] for m in APPROVAL_ROWS},
        "approvalrule": ["view", "add", "change"],
        "flag": ["view"],
        "jobrun": ["view"],
    },
    "Finance": {
        **{m: ["view"] for m in APPROVAL_ROWS},
        "approvalrule": ["view", "add", "change"],
        "flag": ["view"],
        "jobrun": ["view"],
    },
    "Legal": {m: ["view"] for m in APPROVAL_ROWS},
    "Sales VP": {**{m: ["view"] for m in APPROVAL_ROWS}, "approvalrule": ["view"]},
    "Manager": {**{m: ["view"] for m in APPROVAL_ROWS}, "flag": ["view", "change"], "jobrun": ["view"]},
}

# name, condition, threshold, group, order
DEFAULT_RULES = [
    ("Every deal is checked by the deal desk", "always", None, "Deal desk", 10),
    ("Gross margin below 60%", "margin_below", Decimal("0.60"), "Finance", 20),
    ("P10 margin below 45%", "p10_margin_below", Decimal("0.45"), "Finance", 20),
    (
        "More than 10% chance of missing the floor",
        "probability_below_floor_above",
        Decimal("0.10"),
        "Finance",
        20,
    ),
    (
        "Outcome pricing on work whose attribution is not defensible",
        "outcome_not_attributable",
        None,
        "Finance",
        20,
    ),
    ("Indemnity requested", "indemnity", None, "Legal", 30),
    ("Discount above 20%", "discount_above", Decimal("20"), "Sales VP", 40),
    ("Total contract value above 500,000", "tcv_above", Decimal("500000"), "Sales VP", 40),
]


def seed(apps, schema_editor):
    grant(apps, "deals", GRANTS)
    Group = apps.get_model("auth", "Group")
    ApprovalRule = apps.get_model("deals", "ApprovalRule")
    for name, condition, threshold, group, order in DEFAULT_RULES:
        ApprovalRule.objects.get_or_create(
            name=name,
            defaults={
                "condition": condition,
                "threshold": threshold,
                "group": Group.objects.get(name=group),
                "order": order,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("deals", "0003_approvals_flags_jobs")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
