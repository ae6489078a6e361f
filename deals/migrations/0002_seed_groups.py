from django.db import migrations

from core.seeding import grant

CATALOG = [
    "workunit",
    "modelrate",
    "costcomponent",
    "pricingplan",
    "planversion",
    "pricecomponent",
    "pricetier",
    "riskadjustment",
]
DEAL_ROWS = ["deal", "dealvolume", "dealcostline"]

# group -> {(app_label, model): actions}
GRANTS = {
    "Seller": {
        **{
            ("pricing", m): ["view"]
            for m in [
                "workunit",
                "pricingplan",
                "planversion",
                "pricecomponent",
                "pricetier",
                "riskadjustment",
            ]
        },
        ("deals", "customer"): ["view", "add", "change"],
        **{("deals", m): ["view", "add", "change", "delete"] for m in DEAL_ROWS},
    },
    "Deal desk": {
        **{("pricing", m): ["view"] for m in CATALOG},
        ("deals", "customer"): ["view"],
        **{("deals", m): ["view"] for m in DEAL_ROWS},
    },
    "Finance": {
        **{("pricing", m): ["view", "add", "change", "delete"] for m in CATALOG},
        ("deals", "customer"): ["view"],
        **{("deals", m): ["view"] for m in DEAL_ROWS},
    },
    "Manager": {
        **{("pricing", m): ["view"] for m in ["workunit", "pricingplan", "planversion"]},
        ("deals", "customer"): ["view"],
        ("deals", "team"): ["view"],
        **{("deals", m): ["view"] for m in DEAL_ROWS},
    },
    "Legal": {("deals", "customer"): ["view"], **{("deals", m): ["view"] for m in DEAL_ROWS}},
    "Sales VP": {("deals", "customer"): ["view"], **{("deals", m): ["view"] for m in DEAL_ROWS}},
}


def seed_groups(apps, schema_editor):
    for app_label in ("pricing", "deals"):
        grant(
            apps,
            app_label,
            {
                group: {model: actions for (label, model), actions in grants.items() if label == app_label}
                for group, grants in GRANTS.items()
            },
        )


class Migration(migrations.Migration):
    dependencies = [
        ("deals", "0001_initial"),
        ("pricing", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(seed_groups, migrations.RunPython.noop)]
