import os

from celery import Celery
from celery.signals import worker_init, worker_process_init

from config.memory import freeze_loaded_objects, keep_freed_memory

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("dealdesk")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
@worker_process_init.connect
def keep_memory_in_workers(**kwargs) -> None:
    keep_freed_memory()
    freeze_loaded_objects()
