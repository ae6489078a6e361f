"""The gates hold on every edit through the API, not only at submission; sellers reach only their
own customers. Each test is a reproducer of a leak found by an outside tester."""

from core.models import AuditEvent
from deals.models import ApprovalStep, Customer, Deal
from tests.factories import CustomerFactory


def reason_back_to_draft(deal) -> str:
    return AuditEvent.objects.get(deal=deal, action="status_changed", detail__target="draft").detail["reason"]


def test_clearing_the_rollback_path_of_a_submitted_deal_sends_it_back_to_draft(world):
    response = world.client("seller").patch(
        f"/api/v1/deals/{world.submitted.pk}/", {"rollback_path": ""}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["status"] == "draft"
    world.step.refresh_from_db()
    assert world.step.status == ApprovalStep.Status.VOID
    assert reason_back_to_draft(world.submitted) == "judged input changed: rollback_path"
    # ... and it cannot go back without one.
    response = world.client("seller").post(f"/api/v1/deals/{world.submitted.pk}/submit/")
    assert (response.status_code, response.json()["code"]) == (409, "not_ready")
    assert "rollback_path" in response.json()["errors"]


def test_another_customer_on_an_approved_deal_sends_it_back_to_draft(world):
    customer = world.client("seller").post("/api/v1/customers/", {"name": "Initech"}, format="json").json()
    response = world.client("seller").patch(
        f"/api/v1/deals/{world.approved.pk}/", {"customer": customer["id"]}, format="json"
    )
    assert response.status_code == 200
    world.approved.refresh_from_db()
    assert (world.approved.status, world.approved.customer_id) == (Deal.Status.DRAFT, customer["id"])
    assert set(world.approved.approval_steps.values_list("status", flat=True)) == {"void"}
    assert reason_back_to_draft(world.approved) == "judged input changed: customer"


def test_moving_a_deal_to_an_unpublished_plan_version_is_refused_and_nothing_changes(world):
    from pricing import services as pricing_services

    draft_version = pricing_services.plan_version_create_draft(
        actor=None, plan=world.version.plan, copy_from=world.version
    )
    response = world.client("seller").patch(
        f"/api/v1/deals/{world.draft.pk}/",
        {"plan_version": draft_version.pk, "notes": "moved"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {"plan_version": ["Deals are quoted on a published plan version."]}
    world.draft.refresh_from_db()
    assert (world.draft.plan_version_id, world.draft.notes) == (world.version.pk, "")


def test_a_seller_reaches_only_the_customers_of_their_own_deals(world):
    mine, theirs = world.draft.customer, world.other_draft.customer
    new_account = CustomerFactory(name="Prospect with no deal yet")
    client = world.client("seller")

    listed = {c["id"] for c in client.get("/api/v1/customers/?page_size=100").json()["results"]}
    assert mine.pk in listed and new_account.pk in listed
    assert theirs.pk not in listed
    assert client.get(f"/api/v1/customers/{theirs.pk}/").status_code == 404
    assert (
        client.patch(f"/api/v1/customers/{theirs.pk}/", {"name": "Mine now"}, format="json").status_code
        == 404
    )
    assert Customer.objects.get(pk=theirs.pk).name == theirs.name
    # Nor can a deal be put on that customer, new or existing.
    response = client.patch(f"/api/v1/deals/{world.draft.pk}/", {"customer": theirs.pk}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == {"customer": ["No such customer."]}
    # The deal desk sees every customer.
    assert world.client("desk").get(f"/api/v1/customers/{theirs.pk}/").status_code == 200


def test_a_customer_change_through_the_api_is_audited(world):
    response = world.client("seller").patch(
        f"/api/v1/customers/{world.draft.customer.pk}/", {"segment": "enterprise"}, format="json"
    )
    assert response.status_code == 200
    event = AuditEvent.objects.get(action="customer_changed")
    assert event.actor == world.users["seller"]
    assert event.detail["after"]["segment"] == "enterprise"


def test_a_volume_beyond_the_bound_is_refused_naming_the_field(world):
    body = {
        "name": "Too big",
        "customer": world.draft.customer_id,
        "plan_version": world.version.pk,
        "rollback_path": "Back to the human queue.",
        "volumes": [{"work_unit": world.unit.code, "monthly_quantity": "999999999999.9999"}],
    }
    before = Deal.objects.count()
    response = world.client("seller").post("/api/v1/deals/", body, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "volumes[0].monthly_quantity": ["Ensure this value is less than or equal to 1000000000."]
    }
    assert Deal.objects.count() == before
