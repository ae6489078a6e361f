from django.core.management.base import BaseCommand

from deals.jobs import flag_scan
from demo.catalog import print_logins
from demo.deals import load_demo, review_demo_flags
from pricing.models import WorkUnit


class Command(BaseCommand):
    help = "Load the demo catalog, plans, customers, deals and one login per role."

    def handle(self, *args, **options):
        if WorkUnit.objects.exists():
            self.stdout.write("Demo data already present; nothing loaded.")
        else:
            demo = load_demo()
            flagged = flag_scan()
            review_demo_flags(demo["users"])
            self.stdout.write(
                self.style.SUCCESS(f"Demo data loaded; the flag scan opened {flagged} flag(s).")
            )
        print_logins(self.stdout.write)
