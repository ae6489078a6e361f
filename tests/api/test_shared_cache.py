"""DRF's throttles count in the shared cache: two processes (two gunicorn workers, two hosts)
give one user one allowance, not one each."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.services import redis_problem, redis_url, skip_or_fail

PROBE = Path(__file__).with_name("throttle_probe.py")
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def cache_url():
    problem = redis_problem(redis_url())
    if problem:
        skip_or_fail(problem)
    import redis

    url = redis_url().rsplit("/", 1)[0] + "/3"  # a database of its own, emptied for the test
    redis.Redis.from_url(url).flushdb()
    yield url
    redis.Redis.from_url(url).flushdb()


def asks(cache_url: str, count: int) -> list[bool]:
    env = {**os.environ, "CACHE_URL": cache_url, "API_USER_RATE": "5/minute", "PYTHONPATH": str(ROOT)}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    done = subprocess.run(
        [sys.executable, str(PROBE), str(count)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.redis
def test_two_processes_share_one_throttle_count(cache_url):
    first = asks(cache_url, 3)
    second = asks(cache_url, 3)
    assert first == [True, True, True]
    assert second == [True, True, False]  # five a minute between them


def test_without_a_shared_cache_each_process_counts_alone():
    """The demo's memory cache: what the shared one is for."""
    env_url = ""
    assert asks(env_url, 6) == [True] * 5 + [False]
    assert asks(env_url, 6) == [True] * 5 + [False]


def test_with_the_shared_cache_unreachable_requests_are_let_through():
    """The site works without Redis: the throttle steps aside (and logs it) rather than a 500."""
    assert asks("redis://127.0.0.1:1/0", 6) == [True] * 6
