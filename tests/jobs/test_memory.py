"""Workers keep freed memory: the simulation's arrays are reused instead of faulted back in."""

from __future__ import annotations

from config.memory import keep_freed_memory


def test_the_c_library_takes_the_setting_on_this_platform():
    # Debian's glibc: both thresholds are accepted (mallopt returns 1 for each).
    assert keep_freed_memory() is True
