"""Approval rules are data: the deal desk adds one and the next submission's chain follows it."""

from decimal import Decimal as D

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError

from deals.lifecycle import submit
from deals.models import ApprovalRule
from pricing import services as pricing_services
from pricing.models import PriceComponent, PricingPlan
from tests.factories import WorkUnitFactory, catalog_costs, make_deal

pytestmark = pytest.mark.django_db


def three_meter_plan():
    """Per ticket, per package of tickets and per result: three billable meters on one invoice."""
    unit = WorkUnitFactory()
    catalog_costs(unit)
    plan = PricingPlan.objects.create(code="meters", name="Three meters")
    version = pricing_services.plan_version_create_draft(actor=None, plan=plan)
    PriceComponent.objects.create(
        version=version,
        code="tickets",
        label="Tickets",
        charge_model="per_unit",
        work_unit=unit,
        amount=D("2"),
    )
    PriceComponent.objects.create(
        version=version,
        code="packs",
        label="Packs",
        charge_model="package",
        work_unit=unit,
        amount=D("50"),
        package_size=D("100"),
    )
    PriceComponent.objects.create(
        version=version,
        code="results",
        label="Results",
        charge_model="outcome",
        work_unit=unit,
        amount=D("1"),
        success_rate=D("0.8"),
    )
    return pricing_services.plan_version_publish(actor=None, version=version)


def test_an_advisor_warning_rule_adds_its_group_to_the_chain(people):
    ApprovalRule.objects.create(
        name="Billing complexity needs Legal",
        condition="advisor_warning",
        advisor_code="billing_complexity",
        group=Group.objects.get(name="Legal"),
        order=30,
    )
    deal = make_deal(owner=people["seller"], plan_version=three_meter_plan())
    submit(deal_id=deal.pk, actor=people["seller"])
    legal = deal.approval_steps.get(group__name="Legal")
    assert legal.reason.startswith("advisor warning billing complexity")

    plain = make_deal(owner=people["seller"])
    submit(deal_id=plain.pk, actor=people["seller"])
    assert not plain.approval_steps.filter(group__name="Legal").exists()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"condition": "advisor_warning"}, "advisor_code"),
        ({"condition": "discount_above"}, "threshold"),
        ({"condition": "indemnity", "threshold": D("1")}, "threshold"),
        ({"condition": "always", "advisor_code": "budget_anxiety"}, "advisor_code"),
    ],
)
def test_a_rule_with_the_wrong_parameters_is_refused_naming_the_field(fields, field):
    rule = ApprovalRule(name="r", group=Group.objects.get(name="Finance"), **fields)
    with pytest.raises(ValidationError) as error:
        rule.full_clean()
    assert field in error.value.message_dict


def test_the_seller_sees_the_advisor_warning_on_the_deal_page(client, people):
    from tests.factories import PASSWORD

    deal = make_deal(owner=people["seller"], plan_version=three_meter_plan())
    assert client.login(username=people["seller"].username, password=PASSWORD)
    page = client.get(f"/seller/deals/{deal.pk}/evidence/").content.decode()
    assert 'id="warning-billing_complexity"' in page
    assert "Billing complexity" in page
