"""Every admin list exports as CSV what it lists: its filters, search and the user's own scope
kept, cells a spreadsheet will not run, in queries that do not grow with the rows."""

import csv
import io

import pytest

from deals.models import Deal
from deals.roles import SELLER
from tests.factories import CustomerFactory, UserFactory, make_deal, performed, published_plan, won

CUSTOMERS = "/admin/deals/customer/"


def table(response) -> list[list[str]]:
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


@pytest.fixture
def admin_user(db):
    return UserFactory(username="ada", is_superuser=True)


def test_the_list_links_its_csv_with_the_filters_it_shows(client, admin_user):
    client.force_login(admin_user)
    page = client.get(CUSTOMERS, {"segment": "Retail", "q": "Acme"})
    html = page.content.decode()
    assert page.status_code == 200 and "Export CSV" in html
    assert (
        "_export=csv" in page.context["csv_export_url"] and "segment=Retail" in page.context["csv_export_url"]
    )


def test_the_csv_holds_the_filtered_searched_rows_formula_safe(client, admin_user):
    CustomerFactory(name='=HYPERLINK("http://x")  Acme', segment="Retail", contact_email="a@acme.test")
    CustomerFactory(name="Acme Wholesale", segment="Wholesale")
    CustomerFactory(name="Beta Retail", segment="Retail")
    client.force_login(admin_user)

    rows = table(client.get(CUSTOMERS, {"segment": "Retail", "q": "acme", "_export": "csv"}))

    assert rows[0] == ["Name", "Segment", "Crm id", "Contact name", "Contact email"]
    assert [row[:2] for row in rows[1:]] == [['\'=HYPERLINK("http://x")  Acme', "Retail"]]


@pytest.mark.parametrize("customers", [2, 40])
def test_the_csv_reads_the_same_number_of_queries_however_long_the_list(
    client, admin_user, django_assert_num_queries, customers
):
    for _ in range(customers):
        CustomerFactory()
    client.force_login(admin_user)
    # session, user, the list's count (the admin builds its list), the rows
    with django_assert_num_queries(4):
        rows = table(client.get(CUSTOMERS, {"_export": "csv"}))
    assert len(rows) == customers + 1


def test_a_seller_exports_only_the_deals_they_see_with_labels_not_codes(
    client, db, django_capture_on_commit_callbacks
):
    sam, sofia = UserFactory(username="sam", group=SELLER), UserFactory(username="sofia", group=SELLER)
    plan = published_plan()
    with django_capture_on_commit_callbacks(execute=True):
        make_deal(owner=sam, plan_version=plan, name="Sam's deal", evidence=False)
        make_deal(owner=sofia, plan_version=plan, name="Sofia's deal", evidence=False)
    client.force_login(sam)

    rows = table(client.get("/admin/deals/deal/", {"status__exact": Deal.Status.DRAFT, "_export": "csv"}))

    header, *deals = rows
    assert [row[header.index("Name")] for row in deals] == ["Sam's deal"]
    assert deals[0][header.index("Status")] == "Draft"


def test_someone_who_may_not_see_the_list_gets_no_csv(client, db):
    client.force_login(UserFactory(username="nobody"))
    assert client.get(CUSTOMERS, {"_export": "csv"}).status_code == 403


def test_performed_work_exports_the_searched_deals_months_in_fixed_queries(
    client, admin_user, django_capture_on_commit_callbacks, django_assert_num_queries
):
    plan = published_plan()
    with django_capture_on_commit_callbacks(execute=True):
        kept = won(make_deal(plan_version=plan, name="Claims intake", evidence=False))
        other = won(make_deal(plan_version=plan, name="Helpdesk", evidence=False))
    unit = kept.volumes.get().work_unit
    performed(kept, unit, [(m, "1200", "1100", "40", "0.40") for m in (3, 2, 1)])
    performed(other, unit, [(1, "50", "50", "0", "0.40")])
    client.force_login(admin_user)

    # session, user, the work units to filter by, the list's count, the rows with their deals,
    # customers, units and batches: not one per row
    with django_assert_num_queries(5):
        rows = table(client.get("/admin/proofs/performedwork/", {"q": "claims", "_export": "csv"}))

    header, *months = rows
    assert header[:4] == ["Deal", "Work unit", "Period", "Quantity"]
    assert len(months) == 3 and {row[0] for row in months} == {str(kept)}
