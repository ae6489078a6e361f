"""Run by tests/api/test_shared_cache.py in a subprocess: asks the API's user throttle, `count`
times, whether one user may make another request, and prints the answers as JSON.

    python tests/api/throttle_probe.py <count>
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.test import RequestFactory  # noqa: E402

from core.api import UserRateThrottle  # noqa: E402

answers = []
for _ in range(int(sys.argv[1])):
    request = RequestFactory().get("/api/v1/deals/")
    request.user = User(pk=4242, username="integration")
    answers.append(UserRateThrottle().allow_request(request, None))
print(json.dumps(answers))
