from django.db import migrations

from core.seeding import grant

GRANTS = {
    "Finance": {"advisorthresholds": ["view", "change"]},
    "Deal desk": {"advisorthresholds": ["view"]},
    "Seller": {"advisorthresholds": ["view"]},
}


def seed(apps, schema_editor):
    grant(apps, "pricing", GRANTS)
    # The defaults of the model's fields; Finance edits them in the admin.
    apps.get_model("pricing", "AdvisorThresholds").objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("pricing", "0002_advisorthresholds"), ("deals", "0002_seed_groups")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
