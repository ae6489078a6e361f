"""How the deals app answers what the catalog tells it (connected in `DealsConfig.ready`)."""

from django.db.models import Q, QuerySet
from django.dispatch import receiver

from deals.models import Deal, DealCostLine
from deals.services import deals_mark_stale
from pricing.signals import catalog_changed


def deals_following_catalog(*, work_unit_ids, categories) -> QuerySet:
    """Deals with a cost line that takes its cost (or its spread) from these catalog entries.

    One condition on one cost line: a deal whose own line overrides the cost is left alone.
    """
    following = DealCostLine.objects.filter(
        Q(unit_cost__isnull=True) | Q(cv__isnull=True),
        work_unit_id__in=work_unit_ids,
        category__in=categories,
    ).values("deal_id")
    return Deal.objects.filter(pk__in=following)


@receiver(catalog_changed, dispatch_uid="deals.mark_catalog_followers_stale")
def mark_catalog_followers_stale(sender, *, work_unit_ids, categories, **kwargs) -> int:
    """In the catalog change's transaction: its followers are stale, and recomputed once it commits."""
    return deals_mark_stale(deals_following_catalog(work_unit_ids=work_unit_ids, categories=categories))
