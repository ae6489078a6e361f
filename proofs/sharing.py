"""Share links: the customer opens the deal's quote or proof report without a login.

A link is a random token (`secrets.token_urlsafe(32)`: 256 bits) signed with the site's secret
key (`django.core.signing`), so a forged or mistyped link is turned away before the database is
asked, and a new secret key ends every link at once. The database keeps a SHA-256 digest of the
token, never the token: whoever can read the tables cannot open the links. The link is shown
once, to whoever made it (their session holds it until their share page shows it).

A link stops working when it is revoked, when it expires (30 days unless said otherwise) and,
for a quote, when the deal has moved on from the snapshot it showed (edited, back in draft,
approved again on a newer snapshot). Every request through a link, served or refused, is
recorded: when, from which address, what it asked for.

Writes (create, revoke, record an opening) are the services below, each in one transaction with
its audit row (an opening is its own record); the owner, the deal desk or a superuser makes and
revokes links, nobody else.
"""

from __future__ import annotations

import hashlib
import ipaddress
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.core import signing
from django.db import transaction
from django.db.models import Count, F, Max, Q, QuerySet
from django.utils import timezone

from core.audit import audit_record
from deals.lifecycle import can_act_as_owner
from deals.models import Deal, QuoteSnapshot
from deals.roles import DEAL_DESK, in_group
from proofs.documents import approved_snapshot
from proofs.errors import ProofError
from proofs.models import ShareLink, ShareLinkOpening

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

Document = ShareLink.Document
DEFAULT_DAYS = 30
MAX_DAYS = 90
TOKEN_BYTES = 32  # 256 bits of randomness
_SALT = "proofs.share-link"
# Deals whose documents may be shared: approved or won (the proof report of a won deal goes on
# being shared after it is closed).
SHAREABLE_STATES = frozenset({Deal.Status.APPROVED, Deal.Status.WON})


class Refused:
    """Why a link no longer opens: said on its 410 page and recorded with the opening."""

    REVOKED = "revoked"
    EXPIRED = "expired"
    SUPERSEDED = "superseded"


def _signer() -> signing.Signer:
    return signing.Signer(salt=_SALT, sep=".")


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def can_share(deal: Deal, user: User | AnonymousUser) -> bool:
    """The deal's owner, the deal desk and superusers make and revoke its share links."""
    return (
        user.is_authenticated
        and user.is_active
        and (can_act_as_owner(deal, user) or in_group(user, DEAL_DESK))
    )


@dataclass(frozen=True)
class NewLink:
    link: ShareLink
    key: str  # the signed token: the last part of the link's address, shown once


@transaction.atomic
def share_link_create(*, actor: User, deal_id: int, document: str, days: int = DEFAULT_DAYS) -> NewLink:
    """A new link to the deal's quote (its approved snapshot) or proof report, for `days` days."""
    deal = Deal.objects.select_for_update().filter(pk=deal_id).first()
    if deal is None:
        raise ProofError({"deal": "No such deal."}, code="not_found")
    if not can_share(deal, actor):
        raise ProofError(
            {"deal": "Only the deal's owner or the deal desk shares its documents."}, code="forbidden"
        )
    if document not in Document.values:
        raise ProofError({"document": "Choose the quote or the proof report."})
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
        raise ProofError({"days": f"A link lasts from 1 to {MAX_DAYS} days."})
    if deal.status not in SHAREABLE_STATES:
        raise ProofError(
            {
                "deal": f"The deal is {deal.get_status_display().lower()}; "
                + "only an approved or won deal is shared."
            },
            code="invalid_transition",
        )
    snapshot = None
    if document == Document.QUOTE:
        snapshot = approved_snapshot(deal)
        if snapshot is None:
            raise ProofError({"document": "The deal has no approved quote to share."}, code="conflict")
    token = secrets.token_urlsafe(TOKEN_BYTES)
    link = ShareLink.objects.create(
        deal=deal,
        document=document,
        snapshot=snapshot,
        token_digest=_digest(token),
        created_by=actor,
        expires_at=timezone.now() + timedelta(days=days),
    )
    audit_record(
        deal,
        actor,
        "share_link_created",
        link=link.pk,
        document=document,
        snapshot=snapshot.hash if snapshot else None,
        expires_at=link.expires_at.isoformat(),
    )
    return NewLink(link, _signer().sign(token))


@transaction.atomic
def share_link_revoke(*, actor: User, link_id: int) -> ShareLink:
    link = ShareLink.objects.select_for_update(of=("self",)).select_related("deal").filter(pk=link_id).first()
    if link is None:
        raise ProofError({"link": "No such link."}, code="not_found")
    if not can_share(link.deal, actor):
        raise ProofError(
            {"link": "Only the deal's owner or the deal desk revokes its share links."}, code="forbidden"
        )
    if link.revoked_at is not None:
        raise ProofError({"link": f"Already revoked on {link.revoked_at:%Y-%m-%d %H:%M}."}, code="conflict")
    link.revoked_at = timezone.now()
    link.revoked_by = actor
    link.save(update_fields=["revoked_at", "revoked_by"])
    audit_record(link.deal, actor, "share_link_revoked", link=link.pk, document=link.document)
    return link


def share_link_record_opening(
    *,
    link: ShareLink,
    what: str,
    address: str | None,
    user_agent: str = "",
    artifact_id: int | None = None,
    refused: str = "",
) -> ShareLinkOpening:
    """Record one request through `link` (a single insert: atomic on its own). An address that
    is no IP address (a proxy's odd header, a unix socket) is recorded as unknown."""
    return ShareLinkOpening.objects.create(
        link=link,
        what=what,
        address=_ip_or_none(address),
        user_agent=user_agent[:200],
        artifact_id=artifact_id,
        refused=refused,
    )


def _ip_or_none(address: str | None) -> str | None:
    try:
        return str(ipaddress.ip_address((address or "").strip()))
    except ValueError:
        return None


# Reads


def share_link_for_key(key: str) -> ShareLink | None:
    """The link a signed key names, with its deal, customer, owner and plan; None for a key that
    is malformed, forged or unknown (never an exception). One query, none for a bad signature."""
    if not isinstance(key, str) or len(key) > 200:
        return None
    try:
        token = _signer().unsign(key)
    except signing.BadSignature:
        return None
    return (
        ShareLink.objects.select_related(
            "deal__customer", "deal__owner", "deal__plan_version__plan", "created_by"
        )
        .filter(token_digest=_digest(token))
        .first()
    )


def standing(link: ShareLink, approved: QuoteSnapshot | None, now: datetime | None = None) -> str:
    """Why `link` no longer opens, or "" while it does; `approved` is its deal's approved
    snapshot (approved_snapshot), which a quote link must still show."""
    if link.revoked_at is not None:
        return Refused.REVOKED
    if (now or timezone.now()) >= link.expires_at:
        return Refused.EXPIRED
    if link.document == Document.QUOTE and (approved is None or approved.pk != link.snapshot_id):
        return Refused.SUPERSEDED
    return ""


def links_of(deal: Deal) -> QuerySet[ShareLink]:
    """The deal's links, newest first, with their openings counted (served ones) and the last."""
    served = Q(openings__refused="")
    return (
        ShareLink.objects.filter(deal=deal)
        .select_related("created_by", "revoked_by")
        .annotate(
            snapshot_hash=F("snapshot__hash"),
            opened=Count("openings", filter=served),
            last_opened=Max("openings__opened_at", filter=served),
        )
        .order_by("-created_at", "-id")
    )


def recent_openings(deal: Deal, limit: int = 50) -> list[ShareLinkOpening]:
    return list(
        ShareLinkOpening.objects.filter(link__deal=deal)
        .select_related("link", "artifact")
        .order_by("-opened_at", "-id")[:limit]
    )
