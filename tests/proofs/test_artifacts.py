"""Each kind of artifact is checked before anything is stored; replacing one keeps the old one."""

from datetime import date, timedelta
from decimal import Decimal as D

import pytest
from django.utils import timezone

from core.models import AuditEvent
from deals.models import Deal
from proofs import services
from proofs.errors import ProofError
from proofs.models import ProofArtifact
from proofs.validation import MAX_FILE_BYTES
from tests.factories import JPEG, PDF, PNG, desk, make_deal, published_plan, requirement, seller, upload
from tests.proofs.conftest import stored_files


@pytest.fixture
def owner():
    return seller()


@pytest.fixture
def deal(owner):
    return make_deal(owner=owner, plan_version=published_plan(outcome_fee=D("9")), evidence=False)


def submit_file(deal, owner, name, content, code="audit-log-sample"):
    return services.artifact_submit_file(
        deal_id=deal.pk, requirement_id=requirement(code).pk, actor=owner, file=upload(name, content)
    )


def submit_metric(deal, owner, value, unit="rate", code="acceptance-rate", **dates):
    return services.artifact_submit_metric(
        deal_id=deal.pk,
        requirement_id=requirement(code).pk,
        actor=owner,
        metric_value=D(value),
        metric_unit=unit,
        period_start=dates.get("start", date(2026, 1, 1)),
        period_end=dates.get("end", date(2026, 3, 31)),
        source="Pilot export",
    )


def refused(field: str, call, *args, **kwargs) -> str:
    """The messages for `field` when `call(*args, **kwargs)` is refused."""
    with pytest.raises(ProofError) as caught:
        call(*args, **kwargs)
    assert field in caught.value.message_dict, caught.value.message_dict
    return " ".join(caught.value.message_dict[field])


@pytest.mark.django_db
class TestFiles:
    def test_a_pdf_is_stored_through_the_storage_with_its_detected_type(
        self, deal, owner, media_and_quick_quotes
    ):
        artifact = submit_file(deal, owner, "Audit log.PDF", PDF)
        assert (artifact.kind, artifact.file_type, artifact.file_name) == (
            "file",
            "application/pdf",
            "Audit log.PDF",
        )
        assert artifact.file.name.startswith(f"proofs/{deal.pk}/") and artifact.file.name.endswith(".pdf")
        assert artifact.file.read() == PDF
        assert len(stored_files(media_and_quick_quotes)) == 1

    @pytest.mark.parametrize(
        ("name", "content", "mime"),
        [
            ("sample.png", PNG, "image/png"),
            ("photo.jpeg", JPEG, "image/jpeg"),
            ("log.csv", b"ticket,closed_at\n1,2026-03-01\n", "text/csv"),
            ("log.txt", "résumé of the run\n".encode(), "text/plain"),
        ],
    )
    def test_images_csv_and_plain_text_are_allowed(self, deal, owner, name, content, mime):
        assert submit_file(deal, owner, name, content).file_type == mime

    @pytest.mark.parametrize(
        ("name", "content", "says"),
        [
            ("sample.pdf", PNG, "content is a PNG image but its name ends in '.pdf'"),
            ("report.png", PDF, "content is a PDF document but its name ends in '.png'"),
            ("page.html", b"<!doctype html><html><body>hi</body></html>", "HTML or script"),
            ("notes.txt", b"fine text\n<script>alert(1)</script>\n", "HTML or script"),
            ("image.svg", b'<svg xmlns="http://www.w3.org/2000/svg"></svg>', "HTML or script"),
            ("tool.exe", b"MZ\x90\x00\x03\x00\x00\x00", "not PDF, PNG, JPEG, CSV or plain text"),
            ("data.csv", b"\xff\xfe\x00b\x00a\x00d", "not PDF, PNG, JPEG, CSV or plain text"),
            ("run.sh", b"#!/bin/sh\necho hi\n", "name it .csv or .txt"),
            ("empty.pdf", b"", "empty"),
        ],
    )
    def test_a_file_is_judged_by_its_content_and_refused_whole(
        self, deal, owner, name, content, says, media_and_quick_quotes
    ):
        assert says in refused("file", submit_file, deal, owner, name, content)
        assert not ProofArtifact.objects.exists()
        assert stored_files(media_and_quick_quotes) == []

    def test_an_oversized_file_is_refused(self, deal, owner, media_and_quick_quotes):
        big = b"%PDF-1.4\n" + b"0" * MAX_FILE_BYTES
        assert "the limit is 10 MB" in refused("file", submit_file, deal, owner, "big.pdf", big)
        assert not ProofArtifact.objects.exists()
        assert stored_files(media_and_quick_quotes) == []


@pytest.mark.django_db
class TestLinks:
    def submit(self, deal, owner, url):
        return services.artifact_submit_link(
            deal_id=deal.pk, requirement_id=requirement("metering-source-verified").pk, actor=owner, url=url
        )

    @pytest.fixture
    def deal(self, owner):
        return make_deal(owner=owner, evidence=False)

    def test_an_https_link_is_kept(self, deal, owner):
        assert self.submit(deal, owner, " https://metering.example.com/tickets ").url == (
            "https://metering.example.com/tickets"
        )

    @pytest.mark.parametrize(
        "url",
        [
            "javascript:alert(1)",
            "JavaScript:alert(document.cookie)",
            "data:text/html,hi",
            "ftp://example.com/x",
            "x",
        ],
    )
    def test_only_http_and_https_links_are_allowed(self, deal, owner, url):
        assert "Only http:// and https://" in refused("url", self.submit, deal, owner, url)
        assert not ProofArtifact.objects.exists()

    def test_a_malformed_web_address_is_refused(self, deal, owner):
        assert "valid web address" in refused("url", self.submit, deal, owner, "https://exa mple.com")


@pytest.mark.django_db
class TestMetrics:
    def test_a_rate_between_zero_and_one_is_kept(self, deal, owner):
        artifact = submit_metric(deal, owner, "0.82")
        assert (artifact.metric_value, artifact.metric_unit, artifact.source) == (
            D("0.82"),
            "rate",
            "Pilot export",
        )

    @pytest.mark.parametrize("value", ["1.2", "1.5", "-0.1"])
    def test_a_rate_outside_zero_to_one_is_refused(self, deal, owner, value):
        assert "between 0 and 1" in refused("metric_value", submit_metric, deal, owner, value)
        assert not ProofArtifact.objects.exists()

    @pytest.fixture
    def free_metric(self):
        template = requirement("baseline-metric")
        template.metric_unit = template.compares_with = ""
        template.save()
        return template.code

    @pytest.mark.parametrize("value", ["-3", "2.5"])
    def test_a_count_is_a_whole_number_not_below_zero(self, deal, owner, free_metric, value):
        message = refused("metric_value", submit_metric, deal, owner, value, unit="count", code=free_metric)
        assert "whole number, zero or more" in message

    def test_minutes_cannot_be_negative(self, deal, owner, free_metric):
        message = refused("metric_value", submit_metric, deal, owner, "-1", unit="minutes", code=free_metric)
        assert "cannot be negative" in message

    def test_a_requirement_with_a_unit_takes_only_that_unit(self, deal, owner):
        assert "Rate (0 to 1)" in refused("metric_unit", submit_metric, deal, owner, "12", unit="count")

    def test_the_period_must_be_in_order_and_already_measured(self, deal, owner):
        backwards = refused(
            "period_end", submit_metric, deal, owner, "0.5", start=date(2026, 3, 1), end=date(2026, 2, 1)
        )
        assert "ends before it starts" in backwards
        tomorrow = timezone.localdate() + timedelta(days=1)
        future = refused("period_start", submit_metric, deal, owner, "0.5", start=tomorrow, end=tomorrow)
        assert "in the future" in future

    def test_more_than_four_decimal_places_is_refused(self, deal, owner):
        assert refused("metric_value", submit_metric, deal, owner, "0.123456")

    def test_a_source_is_required(self, deal, owner):
        message = refused(
            "source",
            services.artifact_submit_metric,
            deal_id=deal.pk,
            requirement_id=requirement("acceptance-rate").pk,
            actor=owner,
            metric_value=D("0.5"),
            metric_unit="rate",
            period_start=date(2026, 1, 1),
            period_end=date(2026, 1, 31),
            source="  ",
        )
        assert "where the figure comes from" in message


@pytest.mark.django_db
class TestNotesAndItems:
    def note(self, deal, actor, text="Confirmed with the ops lead.", code="attribution-method"):
        return services.artifact_submit_note(
            deal_id=deal.pk, requirement_id=requirement(code).pk, actor=actor, text=text
        )

    def test_a_note_needs_text(self, deal, owner):
        assert "Write the note" in refused("text", self.note, deal, owner, text="   ")

    def test_an_overlong_note_is_refused(self, deal, owner):
        assert refused("text", self.note, deal, owner, text="x" * 5001)

    def test_an_item_takes_only_its_kinds(self, deal, owner):
        message = refused(
            "kind",
            services.artifact_submit_link,
            deal_id=deal.pk,
            requirement_id=requirement("audit-log-sample").pk,
            actor=owner,
            url="https://x.io",
        )
        assert "takes a file, not a link" in message

    def test_an_item_outside_the_deals_checklist_is_refused(self, owner):
        usage_deal = make_deal(owner=owner, evidence=False)
        assert "does not ask" in refused("requirement", self.note, usage_deal, owner)

    def test_only_the_owner_submits_evidence(self, deal):
        with pytest.raises(ProofError) as caught:
            self.note(deal, seller())
        assert caught.value.code == "forbidden"
        assert not ProofArtifact.objects.exists()

    def test_a_judged_deal_keeps_its_evidence(self, deal, owner):
        Deal.objects.filter(pk=deal.pk).update(status=Deal.Status.APPROVED)
        assert "can no longer change" in refused("deal", self.note, deal, owner)

    def test_replacing_an_artifact_keeps_the_old_one_in_history(self, deal, owner):
        first = self.note(deal, owner, text="First try.")
        services.artifact_review(artifact_id=first.pk, actor=desk(), outcome="rejected", comment="Vague.")
        second = self.note(deal, owner, text="Attribution by edit logs per item.")

        first.refresh_from_db()
        assert (first.is_current, first.status, first.review_comment) == (False, "rejected", "Vague.")
        assert (second.is_current, second.status, second.replaces) == (True, "submitted", first)
        assert list(
            AuditEvent.objects.filter(action="evidence_submitted").values_list("detail__replaces", flat=True)
        ) == [
            first.pk,
            None,
        ]
