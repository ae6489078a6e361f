"""The deal builder: a live quote from the API's quote preview as the seller types, cost lines
for every category of every priced work unit, a new customer or an existing one, field-named
refusals."""

from decimal import Decimal as D

import pytest
from django.urls import reverse

from deals.models import Customer, Deal, DealCostLine, DealVolume
from tests.factories import CustomerFactory, make_deal, seller
from tests.pricing.test_share_of_value_deals import recovery_plan  # noqa: F401  (a fixture)
from tests.workspace.conftest import builder_body

NEW = "/seller/deals/new/"


@pytest.fixture
def logged_in(client, owner):
    client.force_login(owner)
    return client


@pytest.mark.django_db
def test_the_builder_offers_the_plan_and_a_row_per_work_unit_and_cost_category(logged_in, hybrid, units):
    page = logged_in.get(NEW)
    assert page.status_code == 200
    assert "Hybrid support (v1)" in page.content.decode()

    chosen = logged_in.post(NEW, {"plan_version": hybrid.pk, "action": "preview"}).content.decode()
    for unit in units:
        assert f'id="unit-{unit.pk}"' in chosen
        for category in ("model", "infra", "human_review", "support"):
            assert f'id="cost-{unit.pk}-{category}"' in chosen
    # The catalog's value beside the empty field that follows it.
    assert 'class="catalog">0.30' in chosen and 'placeholder="0.30"' in chosen


@pytest.mark.django_db
def test_the_live_quote_follows_a_volume(logged_in, hybrid, units):
    first = logged_in.post(NEW, builder_body(hybrid, units))
    tickets = units[0]
    more = logged_in.post(NEW, builder_body(hybrid, units, **{f"unit-{tickets.pk}-quantity": "5000"}))

    before, after = first.context["quote_preview"].result, more.context["quote_preview"].result
    assert D(before["net_monthly"]) == D("500") + D("2500") + D("800")
    assert D(after["net_monthly"]) == D("500") + D("12500") + D("800")
    assert before["gross_margin"] != after["gross_margin"]
    html = more.content.decode()
    assert 'id="quote-margin"' in html and 'id="quote-band"' in html and 'id="quote-bill"' in html
    assert "13,800.00 USD" in html
    assert not Deal.objects.exists()  # a preview saves nothing


@pytest.mark.django_db
def test_typing_answers_with_the_quote_panel_alone(logged_in, hybrid, units):
    response = logged_in.post(
        NEW, builder_body(hybrid, units), headers={"HX-Request": "true", "HX-Target": "quote-panel"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<aside id="quote-panel"') and "<form" not in html
    assert 'id="quote-margin"' in html


@pytest.mark.django_db
def test_the_quote_lists_every_unmet_gate_and_the_advisors_warnings(logged_in, hybrid, units):
    html = logged_in.post(NEW, builder_body(hybrid, units, rollback_path="")).content.decode()
    assert "Describe how the customer falls back if the automation fails." in html
    assert "The evidence checklist opens once the deal is saved." in html
    assert "Pricing advisor" in html


@pytest.mark.django_db
def test_saving_creates_the_customer_and_the_draft_with_every_cost_line(logged_in, owner, hybrid, units):
    tickets, documents = units
    body = builder_body(
        hybrid,
        units,
        action="save",
        **{f"unit-{tickets.pk}-support-unit_cost": "0", f"unit-{documents.pk}-model-unit_cost": "0.25"},
    )
    response = logged_in.post(NEW, body)

    deal = Deal.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("workspace:deal", args=[deal.pk])
    assert deal.owner == owner and deal.customer.name == "Northwind Traders"
    assert deal.rollback_path.startswith("Tickets go back")
    volumes = {v.work_unit: v.monthly_quantity for v in DealVolume.objects.filter(deal=deal)}
    assert volumes == {tickets: D("1000"), documents: D("200")}
    lines = {(c.work_unit, c.category): c.unit_cost for c in DealCostLine.objects.filter(deal=deal)}
    assert len(lines) == 8
    assert lines[(tickets, "support")] == D("0")  # an explicit zero, kept
    assert lines[(documents, "model")] == D("0.25")
    assert lines[(tickets, "model")] is None  # empty: follows the catalog


@pytest.mark.django_db
def test_an_existing_customer_is_chosen_among_those_the_seller_sees(logged_in, hybrid, units):
    mine = CustomerFactory(name="Contoso")
    theirs = make_deal(owner=seller(), plan_version=hybrid, evidence=False).customer
    page = logged_in.get(NEW).content.decode()
    assert "Contoso" in page and theirs.name not in page

    refused = logged_in.post(
        NEW, builder_body(hybrid, units, customer=str(theirs.pk), new_customer="", action="save")
    )
    assert refused.status_code == 400 and "customer" in refused.context["form"].errors

    logged_in.post(NEW, builder_body(hybrid, units, customer=str(mine.pk), new_customer="", action="save"))
    assert Deal.objects.get(owner__username="sam").customer == mine
    assert Customer.objects.filter(name="Northwind Traders").count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"customer": "", "new_customer": ""}, "customer"),
        ({"seats": "many"}, "seats"),
        ({"discount_pct": "150"}, "discount_pct"),
        ({"term_months": "0"}, "term_months"),
        ({"plan_version": "999999"}, "plan_version"),
        ({"name": ""}, "name"),
        ({"unit-{tickets}-quantity": "-5"}, "unit-{tickets}-quantity"),
        ({"unit-{tickets}-model-unit_cost": "١٢"}, "unit-{tickets}-model-unit_cost"),
        ({"unit-{tickets}-cv": ""}, "unit-{tickets}-cv"),
    ],
)
def test_bad_input_is_refused_beside_its_field_and_nothing_is_saved(logged_in, hybrid, units, changes, field):
    tickets = units[0]
    changes = {name.format(tickets=tickets.pk): value for name, value in changes.items()}
    response = logged_in.post(NEW, builder_body(hybrid, units, action="save", **changes))
    assert response.status_code == 400
    assert field.format(tickets=tickets.pk) in response.context["form"].errors
    assert not Deal.objects.exists() and not Customer.objects.filter(name="Northwind Traders").exists()


@pytest.mark.django_db
def test_a_draft_is_edited_in_the_builder_and_another_sellers_is_not_found(logged_in, owner, hybrid, units):
    deal = make_deal(owner=owner, plan_version=hybrid, evidence=False)
    url = reverse("workspace:edit", args=[deal.pk])
    page = logged_in.get(url)
    assert page.status_code == 200 and page.context["quote_preview"].result is not None

    body = builder_body(
        hybrid, units, customer=str(deal.customer_id), new_customer="", seats="3", action="save"
    )
    assert logged_in.post(url, body).status_code == 302
    deal.refresh_from_db()
    assert deal.seats == D("3") and deal.revision == 2

    other = make_deal(owner=seller(), plan_version=hybrid, evidence=False)
    assert logged_in.get(reverse("workspace:edit", args=[other.pk])).status_code == 404
    assert logged_in.post(reverse("workspace:edit", args=[other.pk]), body).status_code == 404


@pytest.mark.django_db
def test_the_builder_needs_a_login(client):
    response = client.get(NEW)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.django_db
@pytest.mark.parametrize("others", [0, 10])
def test_the_builder_costs_the_same_queries_whatever_the_seller_already_has(
    logged_in, owner, hybrid, units, django_assert_num_queries, others
):
    for n in range(others):
        make_deal(owner=owner, plan_version=hybrid, name=f"Deal {n}", evidence=False)
    body = builder_body(hybrid, units)
    logged_in.post(NEW, body)
    # Session, user, permissions, the plans with their prices, the catalog, the calibration, the
    # API's preview (its plan and a work unit per row) and the advisor's thresholds: as many
    # for a seller with ten deals as for one with none.
    with django_assert_num_queries(28):
        logged_in.post(NEW, body, headers={"HX-Request": "true", "HX-Target": "quote-panel"})


@pytest.fixture
def recovery(request):
    """20% of each recovered claim's value, plus 0.50 a claim (the share-of-value tests' plan)."""
    version = request.getfixturevalue("recovery_plan")
    return version, version.components.get().work_unit


def recovery_body(version, unit, value: str) -> dict[str, str]:
    body = builder_body(version, (unit,) * 2) | {
        f"unit-{unit.pk}-value": value,
        f"unit-{unit.pk}-value_cv": "0.5",
    }
    return body | {f"unit-{unit.pk}-quantity": "1000"}


@pytest.mark.django_db
def test_a_share_of_value_work_unit_asks_for_the_value_one_unit_carries(logged_in, recovery):
    version, unit = recovery
    html = logged_in.post(NEW, {"plan_version": version.pk}).content.decode()
    assert f'<label for="id_unit-{unit.pk}-value">Value of one unit:</label>' in html

    priced = logged_in.post(NEW, recovery_body(version, unit, "640"))
    # 1,000 claims x (20% of 640 + 0.50)
    assert D(priced.context["quote_preview"].result["net_monthly"]) == D("128500")

    logged_in.post(NEW, recovery_body(version, unit, "640") | {"action": "save"})
    volume = DealVolume.objects.get()
    assert (volume.unit_value, volume.unit_value_cv) == (D("640"), D("0.5"))


@pytest.mark.django_db
def test_a_missing_value_is_refused_beside_its_field(logged_in, recovery):
    version, unit = recovery
    response = logged_in.post(NEW, recovery_body(version, unit, "0") | {"action": "save"})
    assert response.status_code == 400
    assert f"unit-{unit.pk}-value" in response.context["form"].errors
    assert not Deal.objects.exists()
