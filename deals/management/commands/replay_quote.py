from django.core.management.base import BaseCommand, CommandError

from deals.models import Deal, QuoteSnapshot
from deals.replay import replay_snapshot


class Command(BaseCommand):
    help = "Recompute quote snapshots from their frozen inputs and report any difference."

    def add_arguments(self, parser):
        parser.add_argument("snapshot_ids", nargs="*", type=int, help="Snapshot ids to replay.")
        parser.add_argument(
            "--approved", action="store_true", help="Replay the snapshots of every approved deal."
        )

    def handle(self, *args, snapshot_ids, approved, **options):
        snapshots = QuoteSnapshot.objects.select_related("deal").order_by("id")
        if approved:
            snapshots = snapshots.filter(
                deal__status__in=[Deal.Status.APPROVED, Deal.Status.WON], steps__status="approved"
            ).distinct()
        elif snapshot_ids:
            snapshots = snapshots.filter(id__in=snapshot_ids)
            missing = set(snapshot_ids) - set(snapshots.values_list("id", flat=True))
            if missing:
                raise CommandError(f"No quote snapshot with id {', '.join(map(str, sorted(missing)))}.")
        else:
            raise CommandError("Give snapshot ids, or --approved.")
        failures = 0
        for snapshot in snapshots:
            replay = replay_snapshot(snapshot)
            if replay.reproduced:
                self.stdout.write(
                    f"snapshot {snapshot.pk} (deal {snapshot.deal_id}): reproduced exactly, "
                    f"hash {snapshot.hash[:12]}"
                )
                continue
            failures += 1
            self.stdout.write(self.style.ERROR(f"snapshot {snapshot.pk} (deal {snapshot.deal_id}): differs"))
            if not replay.hash_matches:
                self.stdout.write("  hash differs")
            for line in replay.differences:
                self.stdout.write(f"  {line}")
        if failures:
            raise CommandError(f"{failures} snapshot(s) did not reproduce.")
