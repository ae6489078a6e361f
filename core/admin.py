"""The admin's bases: every list pages without reading a whole table to count it (`ListAdmin`);
writes go through the audited services, so every create, change and delete made on a page or in
its inlines leaves an audit row with the values before and after (`AuditedAdmin`); records
nobody edits from the admin (`ReadOnlyAdmin`)."""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import FieldDoesNotExist
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import Model, Q, QuerySet
from django.utils.functional import cached_property
from django.utils.text import smart_split, unescape_string_literal

from core.audit import audited_delete, audited_save

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


class ListAdmin(admin.ModelAdmin):
    """Every admin list: counted once (the filtered count only, not the whole table's again for
    "N total"), a large table's unfiltered count estimated, and its search reading related
    tables through subqueries."""

    show_full_result_count = False
    paginator = EstimatedCountPaginator

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
