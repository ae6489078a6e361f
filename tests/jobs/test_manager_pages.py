"""The managers' flags page: only managers, only their team, filters, chart, assign and waive."""

import json
from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.urls import reverse
from django.utils import timezone

from core.models import AuditEvent
from deals.flags import flag_waive, flags_evaluate
from deals.models import Flag
from tests.factories import UserFactory, deals_on, make_deal, model_plan

R = Flag.Reason
FLAGS = "/manager/flags/"


@pytest.fixture
def book(people, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        plan = model_plan("gpt-m", unit_price=D("1.00"), margin_floor=D("0.45"))
        deals = {
            "sams": make_deal(
                owner=people["seller"], plan_version=plan, name="Sam's thin deal", discount_pct=D("30")
            ),
            "sofias": make_deal(
                owner=people["seller2"], plan_version=plan, name="Sofia's deal", rollback_path=""
            ),
            "ottos": make_deal(
                owner=people["outsider"], plan_version=plan, name="Otto's deal", rollback_path=""
            ),
        }
    flags_evaluate()
    return deals


def flag(deal, reason) -> Flag:
    return Flag.objects.get(deal=deal, reason=reason)


def test_only_managers_get_in(client, people, book):
    assert client.get(FLAGS).status_code == 302  # to the login page
    for role in ("seller", "desk", "finance"):
        client.force_login(people[role])
        # Finance reads every deal's flags; only a manager assigns or waives one.
        assert client.get(FLAGS).status_code == (200 if role == "finance" else 403)
        target = flag(book["sofias"], R.MISSING_ROLLBACK)
        assert client.post(f"/manager/flags/{target.pk}/waive/", {"waive_reason": "x"}).status_code == 403
    assert flag(book["sofias"], R.MISSING_ROLLBACK).status == "open"


def test_a_manager_sees_their_teams_flags_with_figures_and_counts(client, people, book):
    client.force_login(people["manager"])
    page = client.get(FLAGS)

    assert page.status_code == 200
    listed = {(r["deal"].name, r["flag"].reason) for r in page.context["rows"]}
    assert listed == {
        ("Sam's thin deal", R.MARGIN_BELOW_FLOOR),
        ("Sam's thin deal", R.P10_BELOW_FLOOR),
        ("Sofia's deal", R.MISSING_ROLLBACK),
    }
    html = page.content.decode()
    assert "Otto's deal" not in html
    assert "below the floor of 45.0%" in html and "/static/vendor/chart.umd.min.js" in html
    thin = next(r for r in page.context["rows"] if r["flag"].reason == R.MARGIN_BELOW_FLOOR)
    assert thin["floor"] == "45.0%" and thin["margin"].endswith("%")
    assert thin["deal_url"] == reverse("admin:deals_deal_change", args=[book["sams"].pk])
    sofias = next(r["deal"] for r in page.context["rows"] if r["flag"].reason == R.MISSING_ROLLBACK)
    assert sofias.net_monthly >= 1000 and f">{sofias.net_monthly:,.2f} USD</td>" in html  # grouped, currency
    chart = json.loads(
        html.split('<script id="flag-chart" type="application/json">')[1].split("</script>")[0]
    )
    counts = dict(zip(chart["reasons"], chart["counts"], strict=True))
    assert counts == {
        **dict.fromkeys(R.values, 0),
        R.MARGIN_BELOW_FLOOR: 1,
        R.P10_BELOW_FLOOR: 1,
        R.MISSING_ROLLBACK: 1,
    }


def test_an_administrator_sees_every_flag_those_of_deals_nobody_owns_too(client, people, book):
    nobodys = make_deal(owner=None, plan_version=book["sams"].plan_version, name="Nobody's deal")
    flags_evaluate()
    client.force_login(UserFactory(username="ada", is_superuser=True))
    page = client.get(FLAGS, {"reason": R.MISSING_OWNER})

    assert page.status_code == 200
    (row,) = page.context["rows"]
    assert (row["deal"], row["owner"]) == (nobodys, "No owner")
    assert "No owner" in page.content.decode()


def test_filters_by_reason_owner_and_age(client, people, book):
    client.force_login(people["manager"])
    Flag.objects.filter(deal=book["sofias"]).update(opened_at=timezone.now() - timedelta(days=10))

    def names(**query):
        page = client.get(FLAGS, query)
        assert page.status_code == 200
        return sorted((r["deal"].name, r["flag"].reason) for r in page.context["rows"])

    assert names(reason=R.P10_BELOW_FLOOR) == [("Sam's thin deal", R.P10_BELOW_FLOOR)]
    assert names(owner=people["seller2"].pk) == [("Sofia's deal", R.MISSING_ROLLBACK)]
    assert names(age=7) == [("Sofia's deal", R.MISSING_ROLLBACK)]
    assert names(age=30) == []
    page = client.get(FLAGS, {"age": 7})
    assert dict(page.context["ageing"])["7–30 days"] == 1


def test_bad_filters_are_refused_naming_the_field(client, people, book):
    client.force_login(people["manager"])
    page = client.get(FLAGS, {"owner": people["outsider"].pk, "age": "soon"})
    assert page.status_code == 400
    html = page.content.decode()
    assert "Owner: Select a valid choice." in html and "Age: Select a valid choice." in html
    assert "Otto's deal" not in html


def test_waive_needs_a_reason_and_is_recorded(client, people, book):
    client.force_login(people["manager"])
    target = flag(book["sams"], R.MARGIN_BELOW_FLOOR)
    url = f"/manager/flags/{target.pk}/waive/"

    refused = client.post(
        url, {"waive_reason": " ", "next": FLAGS + "?reason=margin_below_floor"}, follow=True
    )
    assert refused.redirect_chain == [(FLAGS + "?reason=margin_below_floor", 302)]
    assert "Reason: Say why the flag is waived: a reason is required." in refused.content.decode()
    assert flag(book["sams"], R.MARGIN_BELOW_FLOOR).status == "open"

    done = client.post(url, {"waive_reason": "Anchor customer."})
    assert done.status_code == 302 and done["Location"] == FLAGS
    waived = flag(book["sams"], R.MARGIN_BELOW_FLOOR)
    assert (waived.status, waived.waive_reason, waived.waived_by) == (
        "waived",
        "Anchor customer.",
        people["manager"],
    )
    assert AuditEvent.objects.filter(action="flag_waived", actor=people["manager"]).count() == 1
    page = client.get(FLAGS, {"status": "waived"})
    assert "Anchor customer." in page.content.decode()


def test_assign_within_the_team_only(client, people, book):
    client.force_login(people["manager"])
    target = flag(book["sofias"], R.MISSING_ROLLBACK)
    url = f"/manager/flags/{target.pk}/assign/"

    assert client.post(url, {"assigned_to": people["seller"].pk}).status_code == 302
    assert flag(book["sofias"], R.MISSING_ROLLBACK).assigned_to == people["seller"]

    for bad in (people["outsider"].pk, "sam"):
        page = client.post(url, {"assigned_to": bad}, follow=True)
        assert "Assignee:" in page.content.decode()
    assert flag(book["sofias"], R.MISSING_ROLLBACK).assigned_to == people["seller"]


def test_another_teams_flag_is_not_found(client, people, book):
    client.force_login(people["manager"])
    ottos = flag(book["ottos"], R.MISSING_ROLLBACK)
    assert client.post(f"/manager/flags/{ottos.pk}/waive/", {"waive_reason": "x"}).status_code == 404
    assert client.post(f"/manager/flags/{ottos.pk}/assign/", {"assigned_to": ""}).status_code == 404
    assert client.get(f"/manager/flags/{ottos.pk}/waive/").status_code == 405
    assert flag(book["ottos"], R.MISSING_ROLLBACK).status == "open"


@pytest.mark.parametrize("count", [10, 200])
def test_the_page_costs_the_same_queries_for_10_or_200_flagged_deals(
    client, people, count, django_assert_max_num_queries
):
    deals_on(model_plan("gpt-p"), count, owner=people["seller"], rollback_path="")
    flags_evaluate()
    for waived in Flag.objects.all()[:3]:
        flag_waive(flag_id=waived.pk, actor=people["manager"], waive_reason="Pilot customer.")
    client.force_login(people["manager"])
    with django_assert_max_num_queries(9):
        page = client.get(FLAGS, {"status": "live"})
    assert page.status_code == 200 and page.context["total"] == count
