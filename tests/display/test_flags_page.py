"""The flags page for Finance (every deal's flags, read only) and as CSV for whoever reads it."""

import csv
import io

import pytest
from django.template.loader import render_to_string

from deals.models import Deal, Flag

R = Flag.Reason
FLAGS = "/manager/flags/"


def test_finance_reads_every_deals_flags_without_assign_or_waive(client, people, book):
    client.force_login(people["finance"])
    page = client.get(FLAGS)

    assert page.status_code == 200
    html = page.content.decode()
    assert "Flags on every deal" in html and "Read only" in html
    assert {r["deal"].name for r in page.context["rows"]} == {
        "Sam's thin deal",
        "Sofia's deal",
        "Otto's deal",
    }
    assert "/assign/" not in html and "/waive/" not in html

    target = Flag.objects.get(deal=book["ottos"], reason=R.MISSING_ROLLBACK)
    assert client.post(f"{FLAGS}{target.pk}/waive/", {"waive_reason": "Fine."}).status_code == 403
    assert (
        client.post(f"{FLAGS}{target.pk}/assign/", {"assigned_to": people["finance"].pk}).status_code == 403
    )
    target.refresh_from_db()
    assert (target.status, target.assigned_to) == ("open", None)


def test_others_who_neither_manage_nor_keep_the_books_are_refused(client, people, book):
    for role in ("seller", "desk"):
        client.force_login(people[role])
        assert client.get(FLAGS).status_code == 403


def test_the_csv_is_the_filtered_list_formula_safe_in_a_fixed_number_of_queries(
    client, people, book, django_assert_num_queries
):
    Deal.objects.filter(pk=book["sams"].pk).update(name="=HYPERLINK(1)")
    client.force_login(people["finance"])
    page = client.get(FLAGS, {"reason": R.MARGIN_BELOW_FLOOR})
    assert "format=csv" in page.context["csv_url"] and "reason=margin_below_floor" in page.context["csv_url"]

    # session, user, groups, the owners to filter by, the figures, the rows: however many flags
    with django_assert_num_queries(6):
        export = client.get(FLAGS, {"reason": R.MARGIN_BELOW_FLOOR, "format": "csv"})

    assert export["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(export.content.decode())))
    assert rows[0][:4] == ["Deal", "Customer", "Deal status", "Reason"]
    assert [(r[0], r[3]) for r in rows[1:]] == [("'=HYPERLINK(1)", "Margin below floor")]
    assert rows[1][rows[0].index("Currency")] == "USD"


@pytest.mark.parametrize(
    ("role", "links_flags"), [("seller", False), ("desk", False), ("finance", True), ("manager", True)]
)
def test_the_flags_link_shows_only_to_those_the_page_serves(rf, people, role, links_flags):
    request = rf.get("/")
    request.user = people[role]
    html = render_to_string("base.html", request=request)
    assert ('href="/manager/flags/"' in html) is links_flags
    assert ('href="/seller/deals/"' in html) is (role == "seller")
