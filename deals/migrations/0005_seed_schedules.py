"""Seed the background job schedules (editable afterwards in the admin, django-celery-beat)
and let Finance start a full recompute (adding a job run)."""

from django.db import migrations

from core.seeding import grant

# name, task, every (minutes) or None for a daily crontab at DIGEST_HOUR
SCHEDULES = [
    ("Recompute stale deals (sweep)", "deals.tasks.recompute_stale", 5),
    ("Evaluate deal flags", "deals.tasks.evaluate_flags", 15),
    ("Managers' daily flag digest", "deals.tasks.send_manager_digests", None),
]
DIGEST_HOUR = "7"


def seed(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, minutes in SCHEDULES:
        if minutes is None:
            crontab, _ = CrontabSchedule.objects.get_or_create(
                minute="0",
                hour=DIGEST_HOUR,
                day_of_week="*",
                day_of_month="*",
                month_of_year="*",
                timezone="UTC",
            )
            schedule = {"crontab": crontab, "interval": None}
        else:
            interval, _ = IntervalSchedule.objects.get_or_create(every=minutes, period="minutes")
            schedule = {"interval": interval, "crontab": None}
        PeriodicTask.objects.get_or_create(name=name, defaults={"task": task, **schedule})
    grant(apps, "deals", {"Finance": {"jobrun": ["add"]}})


def unseed(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[name for name, _, _ in SCHEDULES]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("deals", "0004_seed_rules_and_permissions"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
