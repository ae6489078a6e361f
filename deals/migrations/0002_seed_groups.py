from django.contrib.auth.management import create_permissions
from django.db import migrations

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
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, grants in GRANTS.items():
        group, _ = Group.objects.get_or_create(name=name)
        for (app_label, model), actions in grants.items():
            group.permissions.add(
                *Permission.objects.filter(
                    content_type__app_label=app_label,
                    codename__in=[f"{action}_{model}" for action in actions],
                )
            )


class Migration(migrations.Migration):
    dependencies = [
        ("deals", "0001_initial"),
        ("pricing", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(seed_groups, migrations.RunPython.noop)]
