"""No page is wider than the window: at 1,280 px and on a 390 px phone, the manager's flags, the
proof report, the realized figures and the backtest fit (tables scroll inside their card)."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from deals import roles
from deals.flags import flags_evaluate
from tests.e2e.conftest import no_script_errors
from tests.factories import CustomerFactory, UserFactory, make_deal, model_plan, performed, team_of, won

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

WIDTHS = (1280, 390)
OVERFLOW = "document.scrollingElement.scrollWidth - window.innerWidth"


@pytest.fixture
def book(settings):
    settings.SIMULATION_DRAWS = 512
    seller = UserFactory(username="sam", first_name="Sam", group=roles.SELLER)
    manager = UserFactory(username="maya", first_name="Maya", group=roles.MANAGER)
    team_of(manager, seller)
    UserFactory(username="ada", is_superuser=True)
    plan = model_plan("gpt-m", unit_price=D("1.00"), margin_floor=D("0.45"))
    customer = CustomerFactory(name="Northwind Regional Insurance Claims Processing Holdings")
    thin = make_deal(
        owner=seller,
        plan_version=plan,
        customer=customer,
        name="Claims triage automation for the northern region, phase two",
        discount_pct=D("30"),
        rollback_path="",
    )
    flags_evaluate()
    deal = won(
        make_deal(owner=seller, plan_version=plan, customer=customer, name="Claims intake", evidence=False)
    )
    unit = deal.volumes.get().work_unit
    performed(deal, unit, [(m, "12000", "10800", "600", "0.42") for m in (3, 2, 1)])
    return {"flagged": thin, "won": deal}


def overflow_at(tab, url: str) -> dict[int, int]:
    """How many pixels the page is wider than the window, per window width."""
    over = {}
    for width in WIDTHS:
        tab.page.set_viewport_size({"width": width, "height": 900})
        tab.page.goto(url)
        tab.page.wait_for_load_state()
        over[width] = tab.page.evaluate(OVERFLOW)
        tab.screenshot(f"layout-{url.strip('/').replace('/', '-')}-{width}")
    return over


def test_the_managers_flags_fit_the_window(journey, book):
    tab = journey()
    tab.log_in("maya", admin=False)
    assert overflow_at(tab, "/manager/flags/") == {1280: 0, 390: 0}
    assert "Claims triage automation" in tab.text()
    assert no_script_errors(tab) == []


@pytest.mark.parametrize("page", ["report", "realized"])
def test_the_proof_pages_fit_the_window(journey, book, page):
    tab = journey()
    tab.log_in("ada")
    url = f"/proofs/deals/{book['won'].pk}/{page}/"
    assert overflow_at(tab, url) == {1280: 0, 390: 0}
    assert "36,000" in tab.text() or "12,000" in tab.text()  # the performed volumes, grouped


def test_the_backtest_fits_the_window(journey, book):
    tab = journey()
    tab.log_in("ada")
    assert overflow_at(tab, "/backtest/") == {1280: 0, 390: 0}
    assert no_script_errors(tab) == []


def test_the_sellers_deals_fit_the_window(journey, book):
    tab = journey()
    tab.log_in("sam", admin=False)
    assert overflow_at(tab, "/seller/deals/") == {1280: 0, 390: 0}
    assert "Claims triage automation" in tab.text()
