"""The design's default evidence requirements, and who may see and review evidence."""

from django.db import migrations

from core.seeding import grant

EVIDENCE = ["requirementtemplate", "proofartifact", "performedwork"]
GRANTS = {
    "Seller": {m: ["view"] for m in EVIDENCE},
    # The deal desk keeps the requirements and reviews artifacts (a review is a change).
    "Deal desk": {
        **{m: ["view"] for m in EVIDENCE},
        "requirementtemplate": ["view", "add", "change"],
        "proofartifact": ["view", "change"],
        "ingestbatch": ["view"],
    },
    "Finance": {**{m: ["view"] for m in EVIDENCE}, "ingestbatch": ["view"]},
    "Manager": {m: ["view"] for m in EVIDENCE},
    "Legal": {m: ["view"] for m in ["requirementtemplate", "proofartifact"]},
    "Sales VP": {m: ["view"] for m in ["requirementtemplate", "proofartifact"]},
}

# code, title, applies to, risk kind, accepted kinds, metric unit, compares with, customer visible, guidance
DEFAULTS = [
    (
        "audit-log-sample",
        "Audit log sample",
        "every",
        "",
        ["file"],
        "",
        "",
        False,
        "An export of the automation's audit log for a sample of real work: inputs, outputs, "
        "who or what acted, timestamps.",
    ),
    (
        "acceptance-criterion-confirmed",
        "Acceptance criterion confirmed",
        "every",
        "",
        ["note"],
        "",
        "",
        False,
        "Who at the customer agreed what counts as done for each work unit, and when.",
    ),
    (
        "metering-source-verified",
        "Metering source verified",
        "usage",
        "",
        ["link", "note"],
        "",
        "",
        False,
        "Where usage is counted and how you checked the counts match the customer's own records.",
    ),
    (
        "baseline-metric",
        "Baseline before automation",
        "outcome",
        "",
        ["metric"],
        "rate",
        "acceptance_rate",
        False,
        "The share of work meeting the acceptance criterion before automation, measured on the "
        "customer's current process.",
    ),
    (
        "attribution-method",
        "Attribution method",
        "outcome",
        "",
        ["note"],
        "",
        "",
        False,
        "How a result is attributed to the automation rather than to people or other tools.",
    ),
    (
        "acceptance-rate",
        "Acceptance rate",
        "outcome",
        "",
        ["metric"],
        "rate",
        "acceptance_rate",
        False,
        "The share of the automation's work accepted in the pilot.",
    ),
    (
        "human-override-rate",
        "Human override rate",
        "outcome",
        "",
        ["metric"],
        "rate",
        "override_rate",
        False,
        "The share of the automation's work a human overrode in the pilot.",
    ),
    (
        "quality-sample",
        "Quality sample",
        "outcome",
        "",
        ["file"],
        "",
        "",
        True,
        "Reviewed examples of finished work the customer may see.",
    ),
    (
        "qa-sampling-plan",
        "QA sampling plan",
        "risk_adjusted",
        "",
        ["note"],
        "",
        "",
        False,
        "What share of work a person checks, how samples are drawn, and what happens on a failure.",
    ),
    (
        "indemnity-terms",
        "Indemnity terms",
        "risk_adjusted",
        "indemnity",
        ["file", "link"],
        "",
        "",
        False,
        "The indemnity clause as agreed with legal.",
    ),
]


def seed(apps, schema_editor):
    grant(apps, "proofs", GRANTS)
    RequirementTemplate = apps.get_model("proofs", "RequirementTemplate")
    for position, (code, title, surface, risk_kind, kinds, unit, compares, visible, guidance) in enumerate(
        DEFAULTS, 1
    ):
        RequirementTemplate.objects.get_or_create(
            code=code,
            defaults={
                "title": title,
                "surface": surface,
                "risk_kind": risk_kind,
                **{f"accepts_{kind}": True for kind in kinds},
                "metric_unit": unit,
                "compares_with": compares,
                "customer_visible": visible,
                "guidance": guidance,
                "position": position * 10,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("proofs", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
