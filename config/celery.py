import os

from celery import Celery
from celery.signals import worker_init, worker_process_init

from config.memory import freeze_loaded_objects, keep_freed_memory

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("dealdesk")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
def import_simulation_libraries(**kwargs) -> None:
    """Import SciPy, which the simulation imports only when it first draws, in the worker's main
    process before it forks its pool (and before its objects are frozen below): every child then
    shares it instead of spending a second or more importing it on its first chunk."""
    import scipy.special  # noqa: F401
    import scipy.stats  # noqa: F401


@worker_init.connect
@worker_process_init.connect
def keep_memory_in_workers(**kwargs) -> None:
    keep_freed_memory()
    freeze_loaded_objects()
