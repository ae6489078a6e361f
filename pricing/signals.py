"""What the catalog tells the apps above it, sent inside the transaction of the change.

`catalog_changed(work_unit_ids, categories)`: the catalog cost (or its spread) of these work units
in these cost categories moved. Each receiver returns how many rows it marked for recompute, so a
service can tell its user what the change set off.
"""

from django.dispatch import Signal

catalog_changed = Signal()


def send_catalog_changed(*, work_unit_ids, categories) -> int:
    """Tell every receiver and return the number of deals they marked for recompute."""
    responses = catalog_changed.send(sender=None, work_unit_ids=work_unit_ids, categories=categories)
    return sum(count or 0 for _, count in responses)
