"""A deal or customer named like a script shows as text on every page that names it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from deals.flags import flags_evaluate
from deals.lifecycle import submit
from tests.factories import CustomerFactory
from tests.security.conftest import SCRIPT, SCRIPT_ESCAPED, client_for

pytestmark = pytest.mark.django_db

DEAL_NAME = f"Deal {SCRIPT}"
CUSTOMER_NAME = f'Customer "><img src=x onerror=alert(2)>{SCRIPT}'


@pytest.fixture
def hostile(people, deal_of):
    deal = deal_of(people["seller"], name=DEAL_NAME, customer=CustomerFactory(name=CUSTOMER_NAME))
    submit(deal_id=deal.pk, actor=people["seller"])
    flags_evaluate()
    return deal


def pages(deal):
    return {
        "seller": [
            "/seller/deals/",
            reverse("proofs:evidence", args=[deal.pk]),
            reverse("proofs:report", args=[deal.pk]),
            reverse("proofs:realized", args=[deal.pk]),
            f"/admin/deals/deal/{deal.pk}/change/",
            "/admin/deals/deal/",
            reverse("advisor:warnings", args=[deal.pk]),
            reverse("advisor:compare", args=[deal.pk]),
            reverse("advisor:renewal", args=[deal.customer_id]),
        ],
        "desk": [
            "/admin/deals/deal/queue/",
            f"/admin/deals/deal/{deal.pk}/change/",
            "/admin/proofs/proofartifact/",
            reverse("proofs:report", args=[deal.pk]),
        ],
        "manager": ["/manager/flags/", "/manager/flags/?status=live"],
    }


def test_every_page_shows_the_names_escaped(people, hostile):
    unescaped, missing = [], []
    for who, urls in pages(hostile).items():
        client = client_for(people[who])
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, (who, url, response.status_code)
            html = response.content.decode()
            if SCRIPT in html or "<img src=x" in html:
                unescaped.append((who, url))
            if SCRIPT_ESCAPED not in html:
                missing.append((who, url))
    assert unescaped == [], "raw markup from a name reached the page"
    assert missing == [], "the page does not show the name at all (so the check proves nothing)"


def test_the_approval_queue_lists_the_deal_by_its_escaped_name(people, hostile):
    html = client_for(people["desk"]).get("/admin/deals/deal/queue/").content.decode()
    assert f"Deal {SCRIPT_ESCAPED}" in html
    assert "Customer &quot;&gt;&lt;img src=x onerror=alert(2)&gt;" in html
