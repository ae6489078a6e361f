"""`deal|shareable_by:user`: whether the user may make and revoke the deal's share links."""

from __future__ import annotations

from django import template

from proofs.sharing import can_share

register = template.Library()
register.filter("shareable_by", can_share)
