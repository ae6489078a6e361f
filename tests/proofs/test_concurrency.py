"""Requests racing on the same thing: exactly one wins, the others get a clear answer."""

import threading

import pytest
from django.db import connection

from proofs import services
from proofs.errors import ProofError
from proofs.ingestion import ingest_performed_work
from proofs.models import IngestBatch, PerformedWork, ProofArtifact
from tests.factories import desk, make_deal, requirement, seller, won

RACERS = 8
# serialized_rollback: these tests commit, so the seeded groups and requirements are restored for them.


def race(work, arguments) -> list[str]:
    """Run work(argument) for every argument at the same moment; each returns a short outcome."""
    arguments = list(arguments)
    barrier = threading.Barrier(len(arguments))
    outcomes, lock = [], threading.Lock()

    def run(argument):
        try:
            barrier.wait(timeout=30)
            result = work(argument)
        except ProofError as refused:
            result = f"{refused.code}: {refused.messages[0]}"
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=run, args=(a,)) for a in arguments]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(outcomes) == len(arguments)
    return outcomes


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_one_review_counts_when_reviewers_act_at_once():
    owner = seller()
    deal = make_deal(owner=owner, evidence=False)
    artifact = services.artifact_submit_note(
        deal_id=deal.pk,
        requirement_id=requirement("acceptance-criterion-confirmed").pk,
        actor=owner,
        text="x",
    )
    reviewers = [desk() for _ in range(RACERS)]

    outcomes = race(
        lambda user: services.artifact_review(artifact_id=artifact.pk, actor=user, outcome="accepted").status,
        reviewers,
    )

    assert outcomes.count("accepted") == 1
    assert all(o.startswith("stale: Already accepted by") for o in outcomes if o != "accepted")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_one_batch_is_written_when_the_same_key_arrives_at_once():
    deal = won(make_deal(owner=seller(), evidence=False))
    record = {
        "deal": deal.pk,
        "work_unit": deal.volumes.get().work_unit.code,
        "period": "2026-03",
        "quantity": "10",
        "accepted": "9",
        "overridden": "1",
        "cost_model": "1",
        "cost_infra": "1",
        "cost_human_review": "1",
        "cost_support": "1",
    }

    outcomes = race(
        lambda _: ingest_performed_work(key="same", records=[record], actor=None).batch_id,
        list(range(RACERS)),
    )

    assert len(set(outcomes)) == 1 and IngestBatch.objects.count() == 1
    assert PerformedWork.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_one_artifact_stays_current_when_the_seller_submits_twice_at_once():
    owner = seller()
    deal = make_deal(owner=owner, evidence=False)
    item = requirement("acceptance-criterion-confirmed").pk
    race(
        lambda n: (
            services.artifact_submit_note(deal_id=deal.pk, requirement_id=item, actor=owner, text=f"v{n}").pk
        ),
        list(range(RACERS)),
    )
    assert ProofArtifact.objects.filter(deal=deal).count() == RACERS
    assert ProofArtifact.objects.filter(deal=deal, is_current=True).count() == 1
