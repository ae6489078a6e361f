"""Admin for the background jobs: every job run with its progress, a "Recompute all deals"
button with a live progress bar, flags (read-only: managers act on their own pages), and the
schedules of django-celery-beat (whose forms are mended here to refuse bad input on its field).

Also loads the cost what-if views of the pricing admin (`deals.admin_whatif`).
"""

from celery.schedules import ParseException
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseNotAllowed, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django_celery_beat import admin as beat_admin
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from core.admin import ReadOnlyAdmin
from deals import (
    admin_whatif,  # noqa: F401  (registers the what-if views)
    jobs,
)
from deals.models import Flag, JobRun
from deals.selectors import on_visible_deals


def percent(run: JobRun) -> int:
    if run.progress_total:
        return 100 * run.progress_done // run.progress_total
    return 0 if run.status == JobRun.Status.RUNNING else 100


@admin.register(JobRun)
class JobRunAdmin(ReadOnlyAdmin):
    list_display = [
        "job",
        "status",
        "started_at",
        "finished_at",
        "progress",
        "deals_touched",
        "flags_opened",
        "flags_resolved",
        "error_summary",
    ]
    # Dates by range, not a drill-down: the drill-down reads every run's month to draw itself
    # (the sweep alone adds a run every five minutes).
    list_filter = ["job", "status", "started_at"]

    @admin.display(description="Progress")
    def progress(self, run: JobRun):
        return format_html(
            '<a href="{}">{} / {} ({}%)</a>',
            reverse("admin:deals_jobrun_progress", args=[run.pk]),
            run.progress_done,
            run.progress_total,
            percent(run),
        )

    @admin.display(description="Errors")
    def error_summary(self, run: JobRun) -> str:
        first = run.error.strip().splitlines()[0] if run.error.strip() else ""
        return first[:120]

    @staticmethod
    def may_start_recompute(request) -> bool:
        return request.user.has_perm("deals.add_jobrun")

    def get_urls(self):
        prefix = f"{self.opts.app_label}_{self.opts.model_name}"
        return [
            path(
                "recompute-all/",
                self.admin_site.admin_view(self.recompute_all_view),
                name=f"{prefix}_recompute_all",
            ),
            path(
                "<int:run_id>/progress/",
                self.admin_site.admin_view(self.progress_view),
                name=f"{prefix}_progress",
            ),
            path(
                "<int:run_id>/progress.json",
                self.admin_site.admin_view(self.progress_json),
                name=f"{prefix}_progress_json",
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "may_start_recompute": self.may_start_recompute(request)}
        return super().changelist_view(request, extra_context)

    def recompute_all_view(self, request):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.may_start_recompute(request):
            raise PermissionDenied("Starting a full recompute needs the 'add job run' permission.")
        run = jobs.full_recompute_start(actor=request.user)
        self.message_user(request, f"Full recompute of {run.progress_total} deals started.", messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:deals_jobrun_progress", args=[run.pk]))

    def _run(self, request, run_id: int) -> JobRun:
        if not self.has_view_permission(request):
            raise PermissionDenied
        return get_object_or_404(JobRun, pk=run_id)

    def progress_view(self, request, run_id: int):
        run = self._run(request, run_id)
        context = {
            **self.admin_site.each_context(request),
            "title": f"{run.job} progress",
            "opts": self.opts,
            "run": run,
            "percent": percent(run),
        }
        return TemplateResponse(request, "admin/deals/jobrun/progress.html", context)

    def progress_json(self, request, run_id: int):
        run = self._run(request, run_id)
        elapsed = ((run.finished_at or timezone.now()) - run.started_at).total_seconds()
        return JsonResponse(
            {
                "id": run.pk,
                "job": run.job,
                "status": run.status,
                "done": run.progress_done,
                "total": run.progress_total,
                "percent": percent(run),
                "deals_touched": run.deals_touched,
                "elapsed_seconds": round(elapsed, 1),
                "error": run.error,
            }
        )


@admin.register(Flag)
class FlagAdmin(ReadOnlyAdmin):
    list_display = ["deal", "reason", "status", "owner", "assigned_to", "opened_at", "resolved_at", "detail"]
    list_filter = ["status", "reason", "opened_at"]
    list_select_related = ["deal__customer", "deal__owner", "assigned_to"]
    search_fields = ["deal__name", "deal__customer__name", "detail", "waive_reason"]

    @admin.display(description="Owner", ordering="deal__owner__username")
    def owner(self, flag: Flag):
        return flag.deal.owner or "—"

    def get_queryset(self, request):
        return on_visible_deals(request.user, super().get_queryset(request))


class ScheduleForm(beat_admin.PeriodicTaskForm):
    """django-celery-beat's form. A task name that its own field refuses (over 200 characters) is
    left out of the cleaned data, where the library's check looked it up and failed the page with
    a KeyError; the field's error now stands on its own."""

    def clean(self):
        if "task" not in self.cleaned_data:
            return self.cleaned_data
        return super().clean()


admin.site.unregister(PeriodicTask)


@admin.register(PeriodicTask)
class ScheduleAdmin(beat_admin.PeriodicTaskAdmin):
    form = ScheduleForm


admin.site.unregister(CrontabSchedule)


@admin.register(CrontabSchedule)
class CrontabAdmin(beat_admin.CrontabScheduleAdmin):
    """The library's crontab admin reads the crontab out in words from the instance; when a
    submitted field is refused, the others are already on the instance and celery's parser fails
    on them (a ParseException, which the library does not catch), so the page failed instead of
    showing the field's error. The admin's own `human_readable` comes before the model's."""

    @admin.display(description="Human readable")
    def human_readable(self, crontab: CrontabSchedule) -> str:
        try:
            return crontab.human_readable
        except (ParseException, ValueError):
            return "not a valid crontab"
