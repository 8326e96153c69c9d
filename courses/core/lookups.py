"""`field__any=[...]`: membership in a long list of values, bound as one array on PostgreSQL.

`field__in=[...]` binds each value as its own parameter: for the thousands of ids of a bulk
attendance batch, preparing the values and the statement's placeholders one by one costs more
than the query itself. On PostgreSQL this lookup sends the list as a single array parameter
(`field = ANY(%s)`); elsewhere it is the usual IN (...).
"""

from django.db.models import Field, ForeignObject, Lookup


@Field.register_lookup
@ForeignObject.register_lookup  # foreign keys have lookups of their own
class AnyOf(Lookup):
    lookup_name = "any"
    prepare_rhs = False

    def get_db_prep_lookup(self, value, connection):
        values = list(value)
        if all(type(v) is int for v in values):
            return "%s", values  # ids as they are: nothing to prepare
        field = self.lhs.output_field
        return "%s", [field.get_db_prep_value(field.get_prep_value(v), connection) for v in values]

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        _, values = self.get_db_prep_lookup(self.rhs, connection)
        if not values:
            return "1 = 0", []
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(%s)", [*lhs_params, values]
        return f"{lhs} IN ({', '.join(['%s'] * len(values))})", [*lhs_params, *values]
