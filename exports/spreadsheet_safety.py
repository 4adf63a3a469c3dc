"""Text in CSV copies made safe to open in a spreadsheet (CSV or formula injection).

A cell whose text begins with `=`, `+`, `-` or `@` is run as a formula by Excel, LibreOffice
and Google Sheets, and text in the published tables can come from trusts (organisation
names, notes). OWASP's advice is followed: such text is prefixed with a single quote `'`,
which spreadsheets show as text. A leading tab or carriage return, which OWASP lists too,
is treated the same way.

Only string-typed columns are touched: numbers (a negative gap, a negative slope) stay
numbers. Parquet files keep the original text; only the CSV copies are escaped.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
ESCAPE_PREFIX = "'"

_PREFIXES = pa.array(FORMULA_PREFIXES, pa.string())


def escape_text(value: str) -> str:
    """One text value as it appears in a CSV copy."""
    return ESCAPE_PREFIX + value if value.startswith(FORMULA_PREFIXES) else value


def escape_string_columns(table: pa.Table) -> pa.Table:
    """The table with every string column's formula-like text escaped; other columns as they are."""
    columns = []
    for column, field in zip(table.columns, table.schema, strict=True):
        if pa.types.is_string(field.type) or pa.types.is_large_string(field.type):
            # The first character against the prefixes: the pattern's answer at half its cost.
            first = pc.utf8_slice_codeunits(column, 0, 1)
            starts_like_formula = pc.is_in(first, value_set=_PREFIXES.cast(field.type))
            if not pc.any(starts_like_formula).as_py():
                columns.append(column)  # most columns have no such text: nothing to build
                continue
            escaped = pc.binary_join_element_wise(pa.scalar(ESCAPE_PREFIX, field.type), column, pa.scalar("", field.type))
            # Nulls stay null: if_else gives null where the condition is null.
            column = pc.if_else(starts_like_formula, escaped, column)
        columns.append(column)
    return pa.Table.from_arrays(columns, schema=table.schema)
