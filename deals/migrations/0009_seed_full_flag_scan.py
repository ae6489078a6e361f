"""Seed the nightly full flag scan: the periodic scan judges only deals that changed; once a night
every deal is judged, whatever changed it."""

import json

from django.db import migrations

NAME = "Evaluate deal flags, every deal (nightly)"
HOUR = "3"


def seed(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="30", hour=HOUR, day_of_week="*", day_of_month="*", month_of_year="*", timezone="UTC"
    )
    PeriodicTask.objects.get_or_create(
        name=NAME,
        defaults={
            "task": "deals.tasks.evaluate_flags",
            "crontab": crontab,
            "kwargs": json.dumps({"full": True}),
        },
    )


def unseed(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [("deals", "0008_flag_scan_marks")]

    operations = [migrations.RunPython(seed, unseed)]
