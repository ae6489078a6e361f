"""Workers keep freed memory: the simulation's arrays are reused instead of faulted back in."""

from __future__ import annotations

import gc

from config.celery import keep_memory_in_workers
from config.memory import YOUNG_COLLECTION_THRESHOLD, keep_freed_memory


def test_the_c_library_takes_the_setting_on_this_platform():
    # Debian's glibc: both thresholds are accepted (mallopt returns 1 for each).
    assert keep_freed_memory() is True


def test_a_worker_leaves_what_it_loaded_at_start_out_of_collections():
    threshold = gc.get_threshold()
    try:
        keep_memory_in_workers()
        assert gc.get_freeze_count() > 1000  # Django and the apps, at the least
        assert gc.get_threshold()[0] == YOUNG_COLLECTION_THRESHOLD
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)
