"""The admin's bases: every list pages without reading a whole table to count it and exports
as CSV what it lists, filtered, searched and sorted (`ListAdmin`);
writes go through the audited services, so every create, change and delete made on a page or in
its inlines leaves an audit row with the values before and after (`AuditedAdmin`); records
nobody edits from the admin (`ReadOnlyAdmin`)."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal

from django.contrib import admin
from django.contrib.admin.utils import label_for_field, lookup_field
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.core.paginator import Paginator
from django.db import connections, models
from django.db.models import Model, Q, QuerySet
from django.http import StreamingHttpResponse
from django.utils.functional import cached_property
from django.utils.html import strip_tags
from django.utils.text import capfirst, smart_split, unescape_string_literal

from core.audit import audited_delete, audited_save
from core.csv_export import safe_cell
from core.figures import exact_text

# Below this many rows a table is counted exactly: the count is cheap and the figure exact.
ESTIMATE_ABOVE = 10_000


def estimated_count(queryset) -> int | None:
    """The rows of `queryset` when it is a whole table on PostgreSQL, in one query: PostgreSQL's
    own estimate (`pg_class.reltuples`, kept by autovacuum and ANALYZE) for a large table, an
    exact count for a small one or one never analysed. None when the rows must be counted through
    the queryset: another database, or a filter (the admin's, a search, the user's permissions)."""
    if not isinstance(queryset, QuerySet):
        return None
    query = queryset.query
    if query.where or query.distinct or query.combinator or query.is_sliced or query.group_by:
        return None
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return None
    table = connection.ops.quote_name(queryset.model._meta.db_table)
    with connection.cursor() as cursor:
        # The count in the ELSE branch runs only when the estimate is not taken.
        cursor.execute(
            f"SELECT CASE WHEN reltuples > %s THEN reltuples::bigint ELSE (SELECT count(*) FROM {table}) END "
            "FROM pg_class WHERE oid = to_regclass(%s)",
            [ESTIMATE_ABOVE, table],
        )
        row = cursor.fetchone()
    return None if row is None else row[0]


class EstimatedCountPaginator(Paginator):
    """The admin's paginator, counting a large unfiltered table from the planner's statistics
    instead of reading every row (the last page's number may be off by the estimate's error;
    a filtered list is counted exactly)."""

    @cached_property
    def count(self) -> int:
        estimate = estimated_count(self.object_list)
        return super().count if estimate is None else estimate


def holds(model: type[Model], path: str, term: str) -> Q | None:
    """Rows of `model` whose field at `path` (a field, or forward relations down to one: the
    admin's search_fields) holds `term` in any case. A related row's field is matched by a
    subquery of its own table (`customer__in=<customers whose name holds it>`), not by joining
    that table to every row of the list; None for a path that is not such a chain."""
    name, _, rest = path.partition("__")
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    if not rest:
        return None if field.is_relation else Q(**{f"{name}__icontains": term})
    if not (field.many_to_one or field.one_to_one) or not field.concrete:
        return None
    related = holds(field.related_model, rest, term)
    if related is None:
        return None
    return Q(**{f"{name}__in": field.related_model._default_manager.filter(related).values("pk")})


# The list's query parameter asking for its CSV; the admin's own parameters start with "_" too.
EXPORT = "_export"
EXPORT_CHUNK = 2000


class Echo:
    """A file csv.writer writes a row to, handing the line back to be streamed."""

    def write(self, text: str) -> str:
        return text


def csv_value(column: models.Field | None, value: object) -> object:
    """A cell as the list means it, in plain text: a choice's label, yes/no, ISO dates, exact
    numbers."""
    if value is None:
        return ""
    if column is not None and column.flatchoices:
        return dict(column.flatchoices).get(value, value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return exact_text(value)  # the exact figure, without a stored column's padding zeros
    return strip_tags(str(value))  # a column the admin writes as HTML (a link, a badge)


class ListAdmin(admin.ModelAdmin):
    """Every admin list: counted once (the filtered count only, not the whole table's again for
    "N total"), a large table's unfiltered count estimated, its search reading related
    tables through subqueries, and an "Export CSV" link: the list's columns for every row the
    list holds as filtered, searched and sorted, streamed in chunks, cells formula-safe."""

    show_full_result_count = False
    paginator = EstimatedCountPaginator

    def changelist_view(self, request, extra_context=None):
        if request.GET.get(EXPORT) == "csv":
            return self.export_csv(request)
        params = request.GET.copy()
        params[EXPORT] = "csv"
        return super().changelist_view(
            request, {"csv_export_url": f"?{params.urlencode()}", **(extra_context or {})}
        )

    def export_csv(self, request) -> StreamingHttpResponse:
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        request.GET = request.GET.copy()
        del request.GET[EXPORT]  # the change list refuses a parameter it does not know
        rows = self.get_changelist_instance(request).queryset
        names = [name for name in self.get_list_display(request) if name != "action_checkbox"]
        header = [
            capfirst(strip_tags(str(label_for_field(name, self.model, model_admin=self)))) for name in names
        ]
        filename = f"{self.model._meta.verbose_name_plural}.csv".replace(" ", "-")
        response = StreamingHttpResponse(
            self.csv_lines(header, names, rows), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response

    def csv_lines(self, header: list[str], names: list[str], rows: QuerySet) -> Iterator[str]:
        writer = csv.writer(Echo())
        yield writer.writerow([safe_cell(cell) for cell in header])
        for obj in rows.iterator(chunk_size=EXPORT_CHUNK):
            cells = []
            for name in names:
                column, _, value = lookup_field(name, obj, self)
                cells.append(safe_cell(csv_value(column, value)))
            yield writer.writerow(cells)

    def get_search_results(self, request, queryset, search_term):
        """The admin's own search (every word in one of the search fields, any case), with the
        fields of related rows matched by subqueries: a search of the deals by customer name
        scans the deals once against the few matching customers, instead of joining customers
        and owners to every deal. Any other kind of search field is left to the admin."""
        fields = self.get_search_fields(request)
        if not search_term or not fields or any(holds(self.model, field, "") is None for field in fields):
            return super().get_search_results(request, queryset, search_term)
        for word in smart_split(search_term):  # as the admin splits it
            if word.startswith(('"', "'")) and word[0] == word[-1]:
                word = unescape_string_literal(word)
            queryset = queryset.filter(
                Q.create([holds(self.model, field, word) for field in fields], connector=Q.OR)
            )
        return queryset, False


class ReadOnlyAdmin(ListAdmin):
    """Records nobody adds, edits or deletes from the admin, whatever their permissions."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class AuditedAdmin(ListAdmin):
    """Saves and deletes through `audited_save` / `audited_delete`; an admin whose table has its
    own service overrides `save_model` to call it. Nothing is kept on the instance between requests."""

    def save_model(self, request, obj, form, change):
        audited_save(actor=request.user, instance=obj)

    def delete_model(self, request, obj):
        audited_delete(actor=request.user, instance=obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)

    def save_formset(self, request, form, formset, change):
        """Inline rows are audited one by one, as on their own pages."""
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            audited_delete(actor=request.user, instance=obj)
        for obj in instances:
            audited_save(actor=request.user, instance=obj)
        formset.save_m2m()
