from django.db import migrations

from core.seeding import grant

# Finance keeps exchange rates as it keeps model rates; the desk sees them.
GRANTS = {
    "Finance": {"fxrate": ["view", "add", "change", "delete"]},
    "Deal desk": {"fxrate": ["view"]},
}


def seed(apps, schema_editor):
    grant(apps, "pricing", GRANTS)


class Migration(migrations.Migration):
    dependencies = [("pricing", "0010_fx_rates_and_iso_currencies"), ("deals", "0002_seed_groups")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
