"""Script and HTML typed into any text field of an artifact come back escaped on every page."""

from datetime import date
from decimal import Decimal as D

import pytest
from django.urls import reverse

from deals.models import Deal
from proofs import services
from tests.factories import PDF, desk, make_deal, published_plan, requirement, seller, upload, won

PAYLOAD = '"><script>alert(1)</script><img src=x onerror=alert(2)>'
ESCAPED = "&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;"


@pytest.mark.django_db
def test_every_artifact_text_field_is_escaped_on_every_page(client):
    owner, reviewer = seller(), desk()
    deal = won(make_deal(owner=owner, plan_version=published_plan(outcome_fee=D("9")), evidence=False))
    Deal.objects.filter(pk=deal.pk).update(status=Deal.Status.SUBMITTED)
    ids = {"deal_id": deal.pk, "actor": owner}
    artifacts = [
        services.artifact_submit_file(
            **ids,
            requirement_id=requirement("quality-sample").pk,
            file=upload(f"{PAYLOAD}.pdf", PDF),
            text=PAYLOAD,
        ),
        services.artifact_submit_metric(
            **ids,
            requirement_id=requirement("baseline-metric").pk,
            metric_value=D("0.5"),
            metric_unit="rate",
            period_start=date(2026, 1, 1),
            period_end=date(2026, 1, 31),
            source=PAYLOAD,
            text=PAYLOAD,
        ),
        services.artifact_submit_note(
            **ids, requirement_id=requirement("attribution-method").pk, text=PAYLOAD
        ),
        services.artifact_submit_link(
            **ids,
            requirement_id=requirement("metering-source-verified").pk,
            url='https://example.com/?q="><script>alert(1)</script>',
        ),
    ]
    for artifact in artifacts[:2]:
        services.artifact_review(artifact_id=artifact.pk, actor=reviewer, outcome="accepted", comment=PAYLOAD)
    services.artifact_review(artifact_id=artifacts[2].pk, actor=reviewer, outcome="rejected", comment=PAYLOAD)

    pages = {owner: [reverse("proofs:evidence", args=[deal.pk]), reverse("proofs:report", args=[deal.pk])]}
    pages[reviewer] = [reverse("proofs:report", args=[deal.pk])]
    for artifact in artifacts:
        pages[reviewer].append(reverse("admin:proofs_proofartifact_change", args=[artifact.pk]))
    pages[reviewer].append(reverse("admin:proofs_proofartifact_review", args=[artifacts[3].pk]))

    for user, urls in pages.items():
        client.force_login(user)
        for url in urls:
            html = client.get(url).content.decode()
            assert "<script>alert(1)" not in html and "onerror=alert(2)>" not in html, url
            assert "alert(1)" in html, f"{url} does not show the field at all"
    client.force_login(owner)
    evidence = client.get(reverse("proofs:evidence", args=[deal.pk])).content.decode()
    assert evidence.count(ESCAPED) >= 6  # file name, descriptions, source, note, review comments
