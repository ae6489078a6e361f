import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from deals import jobs
from deals.models import JobRun
from deals.recompute import CHUNK_SIZE

BAR_WIDTH = 40


class Command(BaseCommand):
    help = (
        "Recompute every deal's figures, with a progress bar. With a broker configured the chunks "
        "go to the workers and this waits for them; without one (or with --here) they run here."
    )

    def add_arguments(self, parser):
        parser.add_argument("--chunk-size", type=int, default=CHUNK_SIZE, help="Deals per chunk.")
        parser.add_argument("--here", action="store_true", help="Compute in this process, not on workers.")
        parser.add_argument("--timeout", type=float, default=3600, help="Seconds to wait for the workers.")

    def handle(self, *args, chunk_size, here, timeout, **options):
        if chunk_size < 1:
            raise CommandError("--chunk-size must be at least 1.")
        started = time.monotonic()
        if here or settings.CELERY_TASK_ALWAYS_EAGER:
            run, pending = jobs.full_recompute_begin(actor=None, chunk_size=chunk_size)
            self.bar(run.progress_done, run.progress_total, started)
            for chunk in pending:
                jobs.full_recompute_chunk(run_id=run.pk, deal_ids=chunk)
                run.refresh_from_db()
                self.bar(run.progress_done, run.progress_total, started)
        else:
            run = jobs.full_recompute_start(actor=None, chunk_size=chunk_size)
            while True:
                run.refresh_from_db()
                self.bar(run.progress_done, run.progress_total, started)
                if run.status != JobRun.Status.RUNNING:
                    break
                if time.monotonic() - started > timeout:
                    raise CommandError(
                        f"\nStill running after {timeout:.0f} s; follow job run {run.pk} in the admin."
                    )
                time.sleep(0.5)
        self.stdout.write("")
        if run.status == JobRun.Status.FAILED:
            raise CommandError(f"Job run {run.pk} failed:\n{run.error}")
        elapsed = time.monotonic() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"Recomputed {run.deals_touched} of {run.progress_total} deals in {elapsed:.1f} s "
                f"(job run {run.pk})."
            )
        )

    def bar(self, done: int, total: int, started: float) -> None:
        fraction = done / total if total else 1.0
        filled = int(BAR_WIDTH * fraction)
        rate = done / max(time.monotonic() - started, 1e-9)
        bar = "#" * filled + "." * (BAR_WIDTH - filled)
        self.stdout.write(f"\r[{bar}] {fraction:6.1%} {done}/{total} deals {rate:,.0f}/s", ending="")
        self.stdout.flush()
