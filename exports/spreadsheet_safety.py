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

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
ESCAPE_PREFIX = "'"

# A byte → is it a prefix? All the prefixes are ASCII, so a text's first byte is its first
# character whenever it could be one of them (a UTF-8 multi-byte character starts at 0x80 or above).
_IS_PREFIX_BYTE = np.zeros(256, dtype=bool)
_IS_PREFIX_BYTE[[ord(prefix) for prefix in FORMULA_PREFIXES]] = True


def escape_text(value: str) -> str:
    """One text value as it appears in a CSV copy."""
    return ESCAPE_PREFIX + value if value.startswith(FORMULA_PREFIXES) else value


def escape_string_columns(table: pa.Table) -> pa.Table:
    """The table with every string column's formula-like text escaped; other columns as they are."""
    columns = []
    for column, field in zip(table.columns, table.schema, strict=True):
        if pa.types.is_string(field.type) or pa.types.is_large_string(field.type):
            starts_like_formula = [_starts_like_formula(chunk) for chunk in column.chunks]
            if not any(found.any() for found in starts_like_formula):
                columns.append(column)  # most columns have no such text: nothing to build
                continue
            condition = pa.chunked_array([pa.array(found) for found in starts_like_formula], pa.bool_())
            escaped = pc.binary_join_element_wise(pa.scalar(ESCAPE_PREFIX, field.type), column, pa.scalar("", field.type))
            column = pc.if_else(condition, escaped, column)
        columns.append(column)
    return pa.Table.from_arrays(columns, schema=table.schema)


def _starts_like_formula(chunk: pa.Array) -> np.ndarray:
    """Per value: is it text whose first character is a prefix (False for null and empty)?

    Read from the array's offsets and bytes in numpy: no per-value call, and no new strings.
    """
    found = np.zeros(len(chunk), dtype=bool)
    if len(chunk) == 0 or len(chunk) == chunk.null_count:
        return found
    _, offsets, data = chunk.buffers()
    offset_type = np.int64 if pa.types.is_large_string(chunk.type) else np.int32
    bounds = np.frombuffer(offsets, dtype=offset_type)[chunk.offset:chunk.offset + len(chunk) + 1]
    starts = bounds[:-1]
    non_empty = bounds[1:] > starts
    if data is None or not non_empty.any():
        return found
    found[non_empty] = _IS_PREFIX_BYTE[np.frombuffer(data, dtype=np.uint8)[starts[non_empty]]]
    if chunk.null_count:
        found &= chunk.is_valid().to_numpy(zero_copy_only=False)
    return found
