"""The approval journey as people live it in the admin: submit, then each approver in order."""

import json
import re
from decimal import Decimal as D

import pytest

from core.models import AuditEvent
from deals.models import ApprovalStep, Deal, DealCostLine, Decision
from tests.admin_forms import change_form_data, inline_prefix
from tests.factories import PASSWORD, accept_evidence

pytestmark = pytest.mark.django_db


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def deal_page(client, deal):
    return client.get(f"/admin/deals/deal/{deal.pk}/change/")


def decide(client, deal, outcome, comment="", seen_hash=None):
    page = deal_page(client, deal)
    step = page.context["review"]["actionable_step"]
    assert step is not None, "the approver should see a decision form"
    return client.post(
        f"/admin/deals/deal/{deal.pk}/decide/",
        {
            "step": step.pk,
            "outcome": outcome,
            "comment": comment,
            "seen_hash": seen_hash or step.snapshot.hash,
            # The approver has read the names of the evidence items not yet accepted.
            "confirm_open_evidence": "1",
        },
        follow=True,
    )


def messages_of(response):
    return [str(m) for m in response.context["messages"]]


def test_seller_submits_then_deal_desk_and_finance_approve_in_order(client, people, thin_deal):
    login(client, people["seller"])
    response = client.post(f"/admin/deals/deal/{thin_deal.pk}/submit/", follow=True)
    assert "Submitted for approval." in messages_of(response)
    thin_deal.refresh_from_db()
    assert thin_deal.status == Deal.Status.SUBMITTED
    chain = list(thin_deal.approval_steps.order_by("order").values_list("group__name", "status"))
    assert chain == [("Deal desk", "pending"), ("Finance", "waiting")]
    snapshot = thin_deal.snapshots.get()
    assert snapshot.result["gross_margin"] == "0.2105"  # (0.95 - 0.75) / 0.95
    client.logout()

    # Finance cannot jump the queue: the deal is not in its queue yet and it has no form.
    login(client, people["finance"])
    assert list(client.get("/admin/deals/deal/queue/").context["deals"]) == []
    assert deal_page(client, thin_deal).context["review"]["actionable_step"] is None
    client.logout()

    login(client, people["desk"])
    queue = client.get("/admin/deals/deal/queue/")
    assert [d.pk for d in queue.context["deals"]] == [thin_deal.pk]
    response = decide(client, thin_deal, "approve")
    assert "Recorded: approve." in messages_of(response)
    thin_deal.refresh_from_db()
    assert thin_deal.status == Deal.Status.SUBMITTED
    client.logout()

    # Finance's is the last step: it needs every evidence item accepted first.
    login(client, people["finance"])
    response = decide(client, thin_deal, "approve", comment="Thin, but a lighthouse account.")
    assert any("every required evidence item accepted" in m for m in messages_of(response))
    accept_evidence(thin_deal, people["desk"])
    response = decide(client, thin_deal, "approve", comment="Thin, but a lighthouse account.")
    thin_deal.refresh_from_db()
    assert thin_deal.status == Deal.Status.APPROVED
    decisions = list(Decision.objects.filter(deal=thin_deal).order_by("decided_at", "id"))
    assert [(d.actor.username, d.outcome, d.snapshot_hash) for d in decisions] == [
        ("dana", "approve", snapshot.hash),
        ("frank", "approve", snapshot.hash),
    ]
    lifecycle_actions = ["deal_created", "status_changed", "step_approved"]
    actions = list(
        AuditEvent.objects.filter(deal=thin_deal, action__in=lifecycle_actions)
        .order_by("at", "id")
        .values_list("action", flat=True)
    )
    assert actions == ["deal_created", "status_changed", "step_approved", "step_approved", "status_changed"]
    assert "History" in response.content.decode()


def test_submission_lists_every_missing_gate_at_once(client, people, thin_deal):
    DealCostLine.objects.filter(deal=thin_deal, category="support").delete()
    Deal.objects.filter(pk=thin_deal.pk).update(rollback_path="  ")
    login(client, people["seller"])
    response = client.post(f"/admin/deals/deal/{thin_deal.pk}/submit/", follow=True)
    shown = " ".join(messages_of(response))
    assert "cost lines: No cost line for" in shown and "· support" in shown
    assert "rollback path: Describe how the customer falls back" in shown
    thin_deal.refresh_from_db()
    assert thin_deal.status == Deal.Status.DRAFT
    assert not thin_deal.snapshots.exists()


def test_a_deal_without_owner_cannot_be_submitted_by_anyone_but_an_admin(people, thin_deal):
    from core.errors import DomainError
    from deals import lifecycle
    from tests.factories import UserFactory

    Deal.objects.filter(pk=thin_deal.pk).update(owner=None)
    with pytest.raises(DomainError) as refused:
        lifecycle.submit(deal_id=thin_deal.pk, actor=people["seller"])
    assert "owner" in refused.value.message_dict
    admin = UserFactory(is_superuser=True)
    with pytest.raises(DomainError) as gated:
        lifecycle.submit(deal_id=thin_deal.pk, actor=admin)
    assert gated.value.message_dict["owner"] == ["The deal has no owner."]


def test_reject_and_request_changes_need_a_comment(client, people, thin_deal):
    login(client, people["seller"])
    client.post(f"/admin/deals/deal/{thin_deal.pk}/submit/")
    client.logout()
    login(client, people["desk"])
    response = decide(client, thin_deal, "reject", comment="  ")
    assert any("comment is required" in m for m in messages_of(response))
    assert not Decision.objects.exists()
    decide(client, thin_deal, "request_changes", comment="Add the QA sampling plan.")
    thin_deal.refresh_from_db()
    assert thin_deal.status == Deal.Status.CHANGES_REQUESTED
    assert set(thin_deal.approval_steps.values_list("status", flat=True)) == {"changes_requested", "void"}


def test_nobody_approves_their_own_deal(client, people, thin_deal):
    people["seller"].groups.add(people["desk"].groups.get())
    login(client, people["seller"])
    client.post(f"/admin/deals/deal/{thin_deal.pk}/submit/")
    assert deal_page(client, thin_deal).context["review"]["actionable_step"] is None
    step = thin_deal.approval_steps.get(status="pending")
    response = client.post(
        f"/admin/deals/deal/{thin_deal.pk}/decide/",
        {"step": step.pk, "outcome": "approve", "seen_hash": step.snapshot.hash},
    )
    assert response.status_code == 403
    assert not Decision.objects.exists()


def test_a_decision_on_a_stale_view_is_refused_and_changes_nothing(client, people, thin_deal):
    login(client, people["seller"])
    client.post(f"/admin/deals/deal/{thin_deal.pk}/submit/")
    client.logout()
    login(client, people["desk"])
    stale_hash = deal_page(client, thin_deal).context["review"]["actionable_step"].snapshot.hash
    response = decide(client, thin_deal, "approve", seen_hash="0" * 64)
    assert any("changed since you loaded it" in m for m in messages_of(response))
    decide(client, thin_deal, "approve", seen_hash=stale_hash)
    # A second click on the same (now decided) step: one decision counts.
    step = thin_deal.approval_steps.get(group__name="Deal desk")
    response = client.post(
        f"/admin/deals/deal/{thin_deal.pk}/decide/",
        {"step": step.pk, "outcome": "reject", "comment": "late", "seen_hash": stale_hash},
        follow=True,
    )
    assert any("already decided (approve) by dana" in m for m in messages_of(response))
    assert Decision.objects.filter(step=step).count() == 1


def test_a_price_edit_of_an_approved_deal_returns_it_to_draft_and_voids_approvals(
    client, people, thin_deal, django_capture_on_commit_callbacks
):
    from deals.approvals import decide as decide_step
    from deals.lifecycle import submit
    from deals.services import deal_update

    submit(deal_id=thin_deal.pk, actor=people["seller"])
    accept_evidence(thin_deal, people["desk"])
    for approver in ("desk", "finance"):
        step = thin_deal.approval_steps.get(status="pending")
        decide_step(step_id=step.pk, actor=people[approver], outcome="approve", seen_hash=step.snapshot.hash)
    thin_deal.refresh_from_db()
    assert thin_deal.status == Deal.Status.APPROVED

    deal_update(deal_id=thin_deal.pk, actor=people["seller"], fields={"notes": "Customer asked for a call."})
    thin_deal.refresh_from_db()
    assert thin_deal.status == Deal.Status.APPROVED

    with django_capture_on_commit_callbacks(execute=True):
        deal_update(deal_id=thin_deal.pk, actor=people["seller"], fields={"discount_pct": D("5")})
    thin_deal.refresh_from_db()
    assert thin_deal.status == Deal.Status.DRAFT
    assert thin_deal.revision == 2
    assert set(ApprovalStep.objects.filter(deal=thin_deal).values_list("status", flat=True)) == {"void"}
    assert Decision.objects.filter(deal=thin_deal).count() == 2  # decisions are history, never deleted
    assert thin_deal.net_monthly == D("902.50")  # 1,000 x 0.95 less 5 %


def test_editing_volumes_in_the_admin_of_a_submitted_deal_sends_it_back_to_draft(client, people, thin_deal):
    from deals.lifecycle import submit

    submit(deal_id=thin_deal.pk, actor=people["seller"])
    login(client, people["seller"])
    page = deal_page(client, thin_deal)
    data = change_form_data(page, thin_deal)
    data["notes"] = "edited"
    data[f"{inline_prefix(page, 'volume')}-0-monthly_quantity"] = "1500"
    response = client.post(f"/admin/deals/deal/{thin_deal.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    thin_deal.refresh_from_db()
    assert thin_deal.status == Deal.Status.DRAFT
    assert thin_deal.volumes.get().monthly_quantity == D("1500")


def test_the_deal_desk_reads_margins_as_percentages_and_money_grouped(client, people, thin_deal):
    login(client, people["seller"])
    client.post(f"/admin/deals/deal/{thin_deal.pk}/submit/")
    client.logout()
    login(client, people["desk"])
    result = thin_deal.snapshots.get().result
    contract_value = f"{D(result['total_contract_value']):,.2f}"
    assert D(result["total_contract_value"]) >= 1000

    html = deal_page(client, thin_deal).content.decode()
    assert "(floor 60.0%)" in html
    # 950.00 net against 750.00 of cost: 0.2105, half up to 21.1 % as every figure rounds.
    assert "200.00 (21.1%)" in html
    assert f'<td class="num">{contract_value}</td>' in html
    assert "(2,000 draws)" in html and "Probability below floor 60.0%" in html  # the tests draw 2,000
    assert re.search(r"\d+\.\d% / \d+\.\d% / \d+\.\d%</td>", html)  # margin P10 / P50 / P90
    assert re.search(r'class="num [^"]*">\d+\.\d\d%</td>', html)  # probability below the floor
    charts = json.loads(
        html.split('<script id="deal-charts" type="application/json">')[1].split("</script>")[0]
    )
    distribution = charts["distribution"]
    assert re.fullmatch(
        r"P10 \d+\.\d% · P50 \d+\.\d% · P90 \d+\.\d% · floor 60\.0% .*", distribution["caption"]
    )
    labels = distribution["labels"]
    assert labels and all(re.fullmatch(r"-?\d+\.\d\d%–-?\d+\.\d\d%", label) for label in labels)
    assert distribution["floor"] == "0.6000"  # the bars are coloured against the number itself

    queue = client.get("/admin/deals/deal/queue/").content.decode()
    assert "950.00 USD</td>" in queue and "21.1%</td>" in queue
    deals = client.get("/admin/deals/deal/", {"o": "-6"}).content.decode()  # by margin, highest first
    assert '<td class="field-net_per_month">950.00 USD</td>' in deals
    assert '<td class="field-margin">21.1%</td>' in deals
