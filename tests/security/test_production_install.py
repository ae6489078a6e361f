"""A production host installs the lock without the dependency groups (`make install-production`):
none of the test or lint tools reach it, and the app starts and serves from what it has.

The install goes into a throwaway environment under pytest's tmp path with the same uv and lock
`make install` used; uv's cache makes it a copy of wheels already downloaded.
"""

from __future__ import annotations

import http.client
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.security.test_production import ROOT, production_env

TOOLS_NOT_IN_PRODUCTION = [
    "pytest",
    "playwright",
    "schemathesis",
    "ruff",
    "mypy",
    "moto",
    "factory",
    "hypothesis",
]
RUNTIME = [
    "django",
    "rest_framework",
    "celery",
    "gunicorn",
    "numpy",
    "scipy",
    "storages",
    "drf_spectacular_sidecar",
]


def uv_command() -> str:
    """The uv `make install` ran: from PATH, else the Makefile's bootstrap environment."""
    found = shutil.which("uv") or ROOT / ".uv-bootstrap" / "bin" / "uv"
    assert Path(found).exists(), "uv is missing: `make install` brings it in"
    return str(found)


@pytest.fixture(scope="module")
def production_python(tmp_path_factory) -> Path:
    environment = tmp_path_factory.mktemp("production") / "venv"
    env = {
        **os.environ,
        "UV_PROJECT_ENVIRONMENT": str(environment),
        "UV_PYTHON": sys._base_executable,
        "UV_PYTHON_DOWNLOADS": "never",
    }
    # The same command as `make install-production`.
    done = subprocess.run(
        [uv_command(), "sync", "--locked", "--no-default-groups"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return environment / "bin" / "python"


def importable(python: Path, modules: list[str]) -> dict[str, bool]:
    probe = "import importlib.util, sys; print(' '.join(str(importlib.util.find_spec(m) is not None) "
    probe += "for m in sys.argv[1:]))"
    done = subprocess.run(
        [str(python), "-c", probe, *modules], cwd="/", capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return dict(zip(modules, (word == "True" for word in done.stdout.split()), strict=True))


def test_a_production_install_carries_no_test_or_lint_tool(production_python):
    assert importable(production_python, TOOLS_NOT_IN_PRODUCTION) == dict.fromkeys(
        TOOLS_NOT_IN_PRODUCTION, False
    )
    assert importable(production_python, RUNTIME) == dict.fromkeys(RUNTIME, True)


def get(port: int, path: str) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", path, headers={"Host": "dealdesk.example.com"})
    response = connection.getresponse()
    return response.status, response.read()


def test_the_app_starts_from_a_production_install(production_python, tmp_path):
    env = production_env(tmp_path)
    for command in (
        ["check", "--deploy", "--fail-level", "WARNING"],
        ["migrate", "--no-input"],
        ["collectstatic", "--no-input"],
    ):
        done = subprocess.run(
            [str(production_python), "manage.py", *command],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr[-3000:]

    port = 18710
    gunicorn = production_python.with_name("gunicorn")
    server = subprocess.Popen(
        [
            str(gunicorn),
            "-c",
            "config/gunicorn.py",
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
        ],
        cwd=ROOT,
        # Plain HTTP on 127.0.0.1: no redirect to HTTPS.
        env={**env, "DJANGO_SSL_REDIRECT": "0"},
        stdout=subprocess.DEVNULL,
        stderr=(tmp_path / "gunicorn.log").open("w"),
    )
    try:
        for _ in range(150):
            try:
                health = get(port, "/healthz/")
                break
            except ConnectionRefusedError:
                time.sleep(0.2)
        else:
            raise AssertionError("gunicorn did not start from the production install")
        login_status, login_page = get(port, "/admin/login/")
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert health[0] == 200, (tmp_path / "gunicorn.log").read_text()[-3000:]
    assert login_status == 200, (tmp_path / "gunicorn.log").read_text()[-3000:]
    assert b'name="username"' in login_page
