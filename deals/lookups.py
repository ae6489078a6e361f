"""`field__in_batch=ids`: `__in` for the long id lists of set-based jobs; and `__in` on integer
columns that leaves out values beyond the column's range.

Django sends `__in` with one placeholder per value; for the 500 to 2,000 ids of a recompute or
flag-scan chunk, splitting and binding that statement costs the client more than PostgreSQL
spends running it. On PostgreSQL the list goes as one array parameter (`= ANY(%s)`); elsewhere
it is the ordinary `IN`.
"""

from __future__ import annotations

from django.core.exceptions import EmptyResultSet
from django.db.models import Field, ForeignObject, IntegerField
from django.db.models.lookups import In

from deals.bulk import number_array

BIGINT = 1 << 63


class InBatch(In):
    lookup_name = "in_batch"

    def get_prep_lookup(self):
        # Ids arrive as ints, which an integer column's preparation returns unchanged: a chunk's
        # thousands of them skip the per-value call.
        field = self.lhs.output_field
        column = getattr(field, "target_field", field)  # a foreign key holds its target's values
        if (
            isinstance(column, IntegerField)
            and isinstance(self.rhs, list | tuple)
            and all(type(value) is int for value in self.rhs)
        ):
            return list(self.rhs)
        return super().get_prep_lookup()

    def as_postgresql(self, compiler, connection):
        if not self.rhs_is_direct_value():
            return self.as_sql(compiler, connection)
        values = [value for value in self.rhs if value is not None]
        if not values:
            raise EmptyResultSet
        lhs, lhs_params = self.process_lhs(compiler, connection)
        if all(type(value) is int for value in values) and min(values) >= -BIGINT and max(values) < BIGINT:
            # One literal rather than a list the adapter dumps value by value. (Larger ints go as
            # the adapter sends them, a numeric array that such a column never matches.)
            return f"{lhs} = ANY(%s::bigint[])", (*lhs_params, number_array(values))
        return f"{lhs} = ANY(%s)", (*lhs_params, values)


# Relations keep lookups of their own (Field's do not reach them): register on both.
Field.register_lookup(InBatch)
ForeignObject.register_lookup(InBatch)


class IntegerFieldIn(In):
    """`__in` on an integer column leaves out values beyond the column's range, as Django's own
    exact and comparison lookups on integers do: no row holds them, and SQLite's driver refuses to
    bind them (an OverflowError: a 500 for any form that checks posted choices with `__in`, such
    as a multiple choice posted with a huge id)."""

    def process_rhs(self, compiler, connection):
        if self.rhs_is_direct_value():
            low, high = connection.ops.integer_field_range(self.lhs.output_field.get_internal_type())
            self.rhs = [
                value
                for value in self.rhs
                if not isinstance(value, int)
                or ((low is None or value >= low) and (high is None or value <= high))
            ]
        return super().process_rhs(compiler, connection)


IntegerField.register_lookup(IntegerFieldIn)
