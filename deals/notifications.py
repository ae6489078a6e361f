"""How the flag jobs tell of the flags they opened, without knowing who listens.

`flags_opened` is sent once the transaction that opened (or reopened) the flags commits, never if
it rolls back; the notices app listens and tells the owners. Deals sits below notices and never
imports it (pyproject.toml's layers).
"""

from __future__ import annotations

from django.db import transaction
from django.dispatch import Signal

from deals.models import Flag

# Sent with `flag_ids`: the flags a scan or a recompute opened or reopened.
flags_opened = Signal()


def flags_opened_announce(flag_ids: list[int]) -> None:
    """After commit, tell the listeners of these flags; a listener that fails never breaks the job."""
    if flag_ids:
        transaction.on_commit(lambda: flags_opened.send(Flag, flag_ids=flag_ids), robust=True)
