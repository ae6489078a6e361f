# ruff: noqa: E402  (Django is set up before the project is imported)
"""Check that `make serve` spreads a recompute over both workers.

With `make serve` running (or with `--start`, which runs `bin/serve` itself and stops it at the
end), this script:

1. makes sure the database holds a catalog model ("serve-check-model") and N deals whose model
   cost follows that model's rate (bulk rows, as an import would write them), plus a Finance
   user with a password of this run;
2. logs in to the admin over HTTP as that user and adds a new rate for the model through the
   admin's add form, as Finance would; the admin answers "N deal(s) marked for margin
   recompute" and the change enqueues one `recompute_deals` task per chunk of deals;
3. waits until none of those deals is stale, then reads from the Celery result backend which
   worker ran each chunk (and, with --start, counts the workers' "succeeded" log lines), and
   checks the margins moved with the rate.

It exits 0 when every chunk ran, at least two workers took part, and the figures changed.

    make serve &                       # in another terminal, or:
    PYTHONPATH=. .venv/bin/python bin/serve_check.py --start

Environment: DATABASE_URL and REDIS_URL as for `bin/serve` (the same defaults).
"""

from __future__ import annotations

import argparse
import http.cookies
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from datetime import datetime, timedelta
from decimal import Decimal as D
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

os.environ.setdefault("DATABASE_URL", "postgres://postgres:postgres@127.0.0.1:5432/dealdesk")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")
REDIS_URL = os.environ["REDIS_URL"]
# As bin/serve sets it: database 1 of the broker's Redis.
RESULT_BACKEND = (
    os.environ.get("CELERY_RESULT_BACKEND") or urllib.parse.urlsplit(REDIS_URL)._replace(path="/1").geturl()
)
# This process only writes rows; it enqueues nothing itself (the web does, on the rate change).
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
os.environ["CELERY_BROKER_URL"] = ""

import django

django.setup()

import redis
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from deals import roles
from deals.models import Customer, Deal, DealCostLine, DealVolume
from pricing import services as pricing_services
from pricing.engine.types import CostCategory
from pricing.models import CostComponent, ModelRate, PriceComponent, PricingPlan, WorkUnit

MODEL = "serve-check-model"
PLAN = "serve-check"
USERNAME = "serve-check-finance"
TASK = "deals.tasks.recompute_deals"
SUCCEEDED = re.compile(r"^\S+ (worker\.\d+)\s*\|.*Task deals\.tasks\.recompute_deals\[[^\]]+\] succeeded")


def say(message: str) -> None:
    print(message, flush=True)


# ---- data -------------------------------------------------------------------------------------


@transaction.atomic
def catalog():
    """The work unit, its costs (model cost following MODEL's rate) and a published plan."""
    if not ModelRate.objects.filter(model_name=MODEL).exists():
        ModelRate.objects.create(
            model_name=MODEL,
            input_per_million=D("3.00"),
            output_per_million=D("12.00"),
            effective_from=timezone.localdate() - timedelta(days=30),
        )
    unit, created = WorkUnit.objects.get_or_create(
        code="serve-check-ticket",
        defaults={
            "name": "Resolved ticket (serve check)",
            "value_unit": "resolved ticket",
            "cost_unit": "token",
            "acceptance_criterion": "Closed and not reopened within 7 days.",
            "metering_source": "Helpdesk events",
            "attribution_defensible": True,
            "attribution_rationale": "The agent closes each ticket itself.",
        },
    )
    if created:
        for category, cost in (("infra", "0.07"), ("human_review", "0.20"), ("support", "0.10")):
            CostComponent.objects.create(work_unit=unit, category=category, expected_unit_cost=D(cost))
        CostComponent.objects.create(
            work_unit=unit,
            category="model",
            model_name=MODEL,
            input_tokens_per_unit=D("6000"),
            output_tokens_per_unit=D("900"),
            cv=D("0.3"),
        )
    plan, created = PricingPlan.objects.get_or_create(code=PLAN, defaults={"name": "Serve check plan"})
    version = plan.versions.filter(status="published").first()
    if version is None:
        draft = pricing_services.plan_version_create_draft(actor=None, plan=plan)
        PriceComponent.objects.create(
            version=draft,
            code="usage",
            label="Tickets",
            charge_model="per_unit",
            work_unit=unit,
            amount=D("1.10"),
        )
        version = pricing_services.plan_version_publish(actor=None, version=draft)
    return unit, version


def deals(count: int) -> list[int]:
    """At least `count` deals on the check's plan, created in bulk; returns their ids."""
    unit, version = catalog()
    existing = Deal.objects.filter(plan_version__plan__code=PLAN).count()
    if existing < count:
        customer, _ = Customer.objects.get_or_create(name="Serve check customer")
        new = Deal.objects.bulk_create(
            Deal(
                name=f"Serve check deal {i}",
                customer=customer,
                plan_version=version,
                currency="USD",
                discount_pct=D(i % 15),
                rollback_path="Back to the human queue within an hour.",
            )
            for i in range(existing, count)
        )
        DealVolume.objects.bulk_create(
            DealVolume(deal=d, work_unit=unit, monthly_quantity=D(1000 + (d.pk * 37) % 9000), cv=D("0.25"))
            for d in new
        )
        DealCostLine.objects.bulk_create(
            DealCostLine(deal=d, work_unit=unit, category=category.value)
            for d in new
            for category in CostCategory
        )
        say(f"created {len(new)} deals on plan {PLAN}")
    return list(
        Deal.objects.filter(plan_version__plan__code=PLAN).order_by("id").values_list("id", flat=True)
    )


def finance_user(password: str):
    user, _ = get_user_model().objects.get_or_create(
        username=USERNAME, defaults={"email": "serve-check@example.com", "is_staff": True}
    )
    user.is_staff = True
    user.set_password(password)
    user.save()
    user.groups.add(Group.objects.get(name=roles.FINANCE))
    return user


# ---- HTTP -------------------------------------------------------------------------------------


class Browser:
    """Just enough of a browser for Django's admin: cookies, CSRF tokens, redirects."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    def __init__(self, base: str):
        self.base = base.rstrip("/")
        self.cookies: dict[str, str] = {}
        self.opener = urllib.request.build_opener(self.NoRedirect)

    def request(self, path: str, data: dict | None = None) -> tuple[int, str, dict]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(self.base + path, data=body, method="POST" if body else "GET")
        request.add_header("Origin", self.base)
        request.add_header("Referer", self.base + path)
        if self.cookies:
            request.add_header("Cookie", "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        try:
            response = self.opener.open(request, timeout=30)
        except urllib.error.HTTPError as error:  # 3xx (not followed) and 4xx/5xx land here
            response = error
        for header in response.headers.get_all("Set-Cookie") or []:
            cookie = http.cookies.SimpleCookie(header)
            for name, morsel in cookie.items():
                self.cookies[name] = morsel.value
        return response.status, response.read().decode("utf-8", "replace"), dict(response.headers)

    def get(self, path: str) -> str:
        status, html, headers = self.request(path)
        while status in (301, 302, 303):
            status, html, headers = self.request(headers["Location"])
        if status != 200:
            raise SystemExit(f"GET {path} answered {status}")
        return html

    def post_form(self, path: str, data: dict) -> tuple[int, str, dict]:
        page = self.get(path)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        if not token:
            raise SystemExit(f"no CSRF token on {path}")
        return self.request(path, {**data, "csrfmiddlewaretoken": token.group(1)})


def wait_healthy(base: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    last = ""
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(base + "/healthz/", timeout=3) as response:
                answer = json.loads(response.read())
                if answer.get("status") == "ok":
                    return
                last = str(answer)
        except (OSError, ValueError) as error:
            last = str(error)
        time.sleep(1)
    raise SystemExit(f"{base}/healthz/ did not answer ok within {timeout:.0f} s ({last})")


# ---- the check --------------------------------------------------------------------------------


def results_since(started: float, ids: set[int]) -> list[dict]:
    """Every recompute_deals result stored since `started` that covers deals of this check."""
    client = redis.Redis.from_url(RESULT_BACKEND)
    found = []
    for key in client.scan_iter("celery-task-meta-*", count=1000):
        meta = json.loads(client.get(key) or "null") or {}
        if meta.get("name") != TASK or meta.get("status") != "SUCCESS":
            continue
        done = datetime.fromisoformat(meta["date_done"]).timestamp()
        chunk = set((meta.get("args") or [[]])[0])
        if done >= started and chunk & ids:
            found.append({"worker": meta.get("worker"), "deals": len(chunk), "written": meta.get("result")})
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", default=os.environ.get("SERVE_URL", "http://127.0.0.1:8000"))
    parser.add_argument("--deals", type=int, default=3000, help="Deals following the model (1,000 a chunk).")
    parser.add_argument("--start", action="store_true", help="Run bin/serve for the check, then stop it.")
    parser.add_argument("--timeout", type=float, default=300, help="Seconds to wait for the recompute.")
    args = parser.parse_args()

    server = log_path = None
    if args.start:
        port = urllib.parse.urlsplit(args.base_url).port or 8000
        log_path = Path(os.environ.get("SERVE_LOG", "/tmp/dealdesk-serve-check.log"))
        log = log_path.open("w")
        say(f"starting bin/serve on port {port} (log: {log_path})")
        server = subprocess.Popen(
            [str(ROOT / "bin" / "serve")],
            cwd=ROOT,
            env={**os.environ, "PORT": str(port), "DJANGO_SETTINGS_MODULE": "config.production"},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_healthy(args.base_url, timeout=180)
        return check(args, log_path)
    finally:
        if server is not None:
            say("stopping bin/serve")
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()


def check(args, log_path: Path | None) -> int:
    ids = deals(args.deals)
    wanted = set(ids)
    password = os.urandom(12).hex()
    finance_user(password)
    # The rate this run adds takes effect today; an earlier run's rate of today makes way for it.
    today = timezone.localdate()
    in_force = ModelRate.objects.filter(model_name=MODEL).order_by("-effective_from").first()
    new_input = D("5.00") if in_force.input_per_million == D("4.00") else D("4.00")
    ModelRate.objects.filter(model_name=MODEL, effective_from=today).delete()
    before = dict(Deal.objects.filter(id__in=ids[:50]).values_list("id", "monthly_cost"))

    browser = Browser(args.base_url)
    status, _, headers = browser.post_form(
        "/admin/login/?next=/admin/", {"username": USERNAME, "password": password, "next": "/admin/"}
    )
    if status != 302 or "sessionid" not in browser.cookies:
        raise SystemExit(f"login as {USERNAME} failed (HTTP {status})")
    say(f"logged in to {args.base_url}/admin/ as {USERNAME} (Finance)")

    started = time.time()
    status, _, headers = browser.post_form(
        "/admin/pricing/modelrate/add/",
        {
            "model_name": MODEL,
            "input_per_million": str(new_input),
            "output_per_million": "16.00",
            "currency": "USD",
            "effective_from": today.isoformat(),
            "_save": "Save",
        },
    )
    if status != 302:
        raise SystemExit(f"adding the rate was refused (HTTP {status})")
    page = browser.get(headers["Location"])
    marked = re.search(r"(\d+) deal\(s\) marked for margin recompute", page)
    if not marked:
        raise SystemExit("the admin did not say how many deals it marked for recompute")
    say(
        f"admin: new rate {MODEL} {new_input}/16.00 per million tokens from {today}; "
        f"the page says: {marked.group(0)}"
    )

    deadline = time.monotonic() + args.timeout
    while (stale := Deal.objects.filter(id__in=ids, is_stale=True).count()) and time.monotonic() < deadline:
        time.sleep(1)
    took = time.time() - started
    if stale:
        raise SystemExit(f"{stale} of {len(ids)} deals still stale after {args.timeout:.0f} s")
    say(f"all {len(ids)} deals recomputed {took:.1f} s after the rate change")

    results = results_since(started - 5, wanted)
    per_worker = Counter()
    chunks = Counter()
    for result in results:
        chunks[result["worker"]] += 1
        per_worker[result["worker"]] += result["deals"]
    say("chunks per worker (from the result backend):")
    for worker in sorted(chunks):
        say(f"  {worker}: {chunks[worker]} chunks, {per_worker[worker]} deals")
    if log_path is not None:
        lines = Counter(
            m.group(1) for line in log_path.read_text().splitlines() if (m := SUCCEEDED.match(line))
        )
        say("recompute_deals 'succeeded' lines per process (from the worker logs):")
        for process in sorted(lines):
            say(f"  {process}: {lines[process]}")

    after = dict(Deal.objects.filter(id__in=ids[:50]).values_list("id", "monthly_cost"))
    moved = sum(1 for pk in before if before[pk] != after[pk])
    say(f"monthly cost changed on {moved} of {len(before)} sampled deals")

    covered = sum(per_worker.values())
    problems = []
    if len(chunks) < 2:
        problems.append(f"the chunks ran on {len(chunks)} worker(s), not two or more")
    if covered < len(ids):
        problems.append(f"the results cover {covered} deals of {len(ids)}")
    if before and moved == 0:
        problems.append("no sampled deal's monthly cost changed with the rate")
    for problem in problems:
        say(f"FAIL: {problem}")
    if not problems:
        say(f"OK: {sum(chunks.values())} chunks over {len(chunks)} workers")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
