"""Whatever a person types into an admin address, the answer is a page or a refusal, never a 500;
a seller's admin holds only their own customers."""

import pytest

from core.models import AuditEvent
from deals import roles
from deals.models import Customer
from tests.factories import PASSWORD, UserFactory, make_deal

pytestmark = pytest.mark.django_db

NOT_AN_ID = ["abc", "1.5", "%00", "99999999999999999999999"]
PAGES = ["change", "history", "delete"]
MODELS = ["deals/deal", "deals/customer", "deals/quotesnapshot", "core/auditevent"]


@pytest.mark.parametrize("model", MODELS)
def test_an_object_id_that_is_no_number_is_answered_as_a_missing_row(client, model):
    admin = UserFactory(is_superuser=True, is_staff=True)
    assert client.login(username=admin.username, password=PASSWORD)
    for text in NOT_AN_ID:
        for page in PAGES:
            response = client.get(f"/admin/{model}/{text}/{page}/")
            assert response.status_code in (302, 403, 404), (model, text, page, response.status_code)


def test_a_seller_opens_only_the_customers_of_their_own_deals_in_the_admin(client):
    seller, other = UserFactory(group=roles.SELLER), UserFactory(group=roles.SELLER)
    mine, theirs = make_deal(owner=seller).customer, make_deal(owner=other).customer
    assert client.login(username=seller.username, password=PASSWORD)
    listed = list(client.get("/admin/deals/customer/").context["cl"].queryset)
    assert mine in listed and theirs not in listed
    assert client.get(f"/admin/deals/customer/{theirs.pk}/change/").status_code == 404
    response = client.post(
        f"/admin/deals/customer/{theirs.pk}/change/", {"name": "Mine now", "segment": "smb"}
    )
    assert response.status_code == 404
    assert Customer.objects.get(pk=theirs.pk).name == theirs.name
    assert not AuditEvent.objects.filter(action="customer_changed").exists()
