"""The deal page as the desk reads it: nothing taken off reads as a negative zero, the admin's
History button sits above the review (not over the history table), cost lines by name; and the
queue's targets are kept in the admin, each change audited."""

from django.contrib.auth.models import Group

from core.models import AuditEvent
from deals import roles
from deals.models import QueueTarget
from tests.factories import UserFactory


def test_nothing_taken_off_reads_0_00_and_a_cost_reads_as_taken_off(as_desk, submitted, thin_plan):
    deal = submitted(thin_plan)
    html = as_desk.get(f"/admin/deals/deal/{deal.pk}/change/").content.decode()
    assert '<tr><td>Fixed</td><td class="num">0.00</td></tr>' in html
    assert '<td class="num">0.00</td></tr>' in html.split("Discount (")[1]
    assert "−0.00" not in html
    assert '<tr><td>Human review</td><td class="num">−200.00</td></tr>' in html


def test_the_history_button_sits_above_the_review_and_cost_lines_show_no_codes(as_desk, submitted, thin_plan):
    deal = submitted(thin_plan)
    html = as_desk.get(f"/admin/deals/deal/{deal.pk}/change/").content.decode()
    assert html.count('class="historylink"') == 1
    assert html.index('class="historylink"') < html.index('id="deal-review"')
    assert "deals/desk.css" in html
    code = deal.volumes.get().work_unit.code
    assert f"{code} · " not in html  # the rows' titles were "<code> · <category>"


def test_the_queue_targets_are_kept_in_the_admin_and_audited(client, db):
    admin = UserFactory(username="root", is_superuser=True, is_staff=True)
    client.force_login(admin)
    desk = Group.objects.get(name=roles.DEAL_DESK)
    response = client.post("/admin/deals/queuetarget/add/", {"group": desk.pk, "target_hours": "6"})
    assert response.status_code == 302
    assert QueueTarget.objects.get(group=desk).target_hours == 6
    event = AuditEvent.objects.get(detail__object="deals.queuetarget")
    assert event.actor == admin and event.detail["after"]["target_hours"] == 6
    refused = client.post("/admin/deals/queuetarget/add/", {"group": desk.pk, "target_hours": "0"})
    assert refused.status_code == 200 and "greater than or equal to 1" in refused.content.decode()
