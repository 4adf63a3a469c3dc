"""Read one landing file as text, in the raw zone's terms.

Every value becomes a nullable string: trimmed, empty -> null, spreadsheet numbers as a
person would type them (`12`, not `12.0`) and spreadsheet dates as ISO `YYYY-MM-DD`.
etr.csv is read as ODS publishes it (`_read_etr`): its names and ICB codes are kept as
published, untrimmed.
Column names are trimmed and lower-cased; contract columns are kept in contract order,
other columns are dropped with a note. Rows with no value at all are skipped (spreadsheets
and CSV exports are full of them); every other row keeps the row number a person sees.

A structural problem (unreadable, empty, a sheet or column missing, a malformed row)
becomes a Failure, and then the file contributes no rows at all: a return is fixed and
re-sent by its supplier, never published in part.
"""

from __future__ import annotations

import csv
import datetime
import functools
import gzip
import io
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
import python_calamine

from ingest.discover import SURVEY_COLUMN_MAP, WRES_WORKBOOK, LandingFile
from ingest.ledger import Failure
from ingest.pseudonymise import PSEUDONYMISED_COLUMNS
from ingest.tables import SOURCE_ROW, TABLES, WRES_SHEETS, LandedTable

# reference/etr.csv has no header. The ODS column positions (1-based) the contract uses:
ETR_COLUMNS = {
    1: "org_code",
    2: "org_name",
    3: "region_code",
    4: "icb_code",
    10: "postcode",
    11: "open_date",
    12: "close_date",
}
ETR_MIN_COLUMNS = max(ETR_COLUMNS)  # a row needs every column the contract uses
# Published as they are, character for character; every other column is a code or a date.
ETR_VERBATIM = frozenset({"org_name", "icb_code"})

# staff_survey/<S>/column_map.csv is read like a table but lands nowhere: it renames columns.
COLUMN_MAP = LandedTable(
    SURVEY_COLUMN_MAP, "staff_survey", None, {"source_column": "string", "canonical_column": "string"}
)

# pyarrow names header-less columns f0, f1, ...; typing them all as text up front stops it
# guessing (a guessed integer would turn `012` into 12). Wider files are not expected.
_MAX_CSV_COLUMNS = 4096
_ALL_TEXT = {f"f{i}": pa.string() for i in range(_MAX_CSV_COLUMNS)}
_NULL_TEXT = pa.scalar(None, pa.string())
_ROW_NUMBERS_IN_ARROW = 256
_ROW_NUMBERS_KEPT = 4096  # up to 32 KiB an array, at most 64 of them
_NO_BLANK_ROWS = None  # a grid's `blank` when no row is blank (most sheets): nothing to build


@dataclass
class FileRead:
    """What one landing file gave. `tables` is empty whenever `failures` is not."""

    tables: dict[str, pa.Table] = field(default_factory=dict)  # contract columns as text + _source_row
    rows_read: int = 0  # data rows with any value, over all sheets
    failures: list[Failure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    column_map: dict[str, str] | None = None  # only for a survey column_map.csv: source -> canonical


@dataclass(frozen=True)
class _Grid:
    """A sheet or delimited file as clean text, before any contract column is picked out."""

    header: list[str]  # trimmed, lower-case
    columns: list[pa.ChunkedArray | pa.Array]  # trimmed text, empty -> null; one per header name
    first_row: int  # the number a person sees on the first data row
    blank: pa.Array | pa.ChunkedArray | None  # True for rows with no value in any column
    blank_count: int
    rows: int | None = None  # data rows, blank or not; len(blank) when None


class _FileFailure(Exception):
    """The whole file cannot be read; the failures say why."""

    def __init__(self, *failures: Failure):
        super().__init__(failures)
        self.failures = list(failures)


def read_file(file: LandingFile, data: bytes, column_map: dict[str, str] | None = None) -> FileRead:
    """Read one recognised landing file (its bytes already in memory) as text.

    `column_map` renames staff survey columns (normalised source name -> canonical name).
    """
    try:
        if not data:
            raise _FileFailure(Failure("empty_file", "the file is empty (0 bytes)"))
        if file.kind == WRES_WORKBOOK:
            return _read_workbook(data)
        if file.kind == "ref_etr":
            return _read_etr(data)
        grid = _file_grid(file, data)
        if file.kind == SURVEY_COLUMN_MAP:
            return _read_column_map(grid)
        return _land([_select(TABLES[file.kind], grid, rename=column_map or {})])
    except _FileFailure as failure:
        return FileRead(failures=failure.failures)


def _read_etr(data: bytes) -> FileRead:
    """etr.csv as ODS publishes it: no header, quoted where needed, 24 or more columns.

    Rows may differ in width; only columns 1-4 and 10-12 are used, so a row with fewer
    than 12 is the one structural fault. The unused columns get no note: they are the
    published layout. Rows are numbered from 1, as a person counts the lines.
    """
    _require_text(data)
    text = data.decode("utf-8-sig")
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    except csv.Error as error:
        raise _FileFailure(Failure("unreadable_file", "could not be parsed as CSV")) from error
    values: dict[str, list[str | None]] = {column: [] for column in ETR_COLUMNS.values()}
    numbers, failures = [], []
    for number, record in enumerate(records, start=1):
        if not any(field.strip() for field in record):
            continue  # a blank line
        if len(record) < ETR_MIN_COLUMNS:
            message = f"row {number} has {len(record)} columns; at least {ETR_MIN_COLUMNS} are needed"
            failures.append(Failure("too_few_columns", message, row=number))
            continue
        numbers.append(number)
        for position, column in ETR_COLUMNS.items():
            value = record[position - 1]
            values[column].append(
                None if not value.strip() else value if column in ETR_VERBATIM else value.strip()
            )
    if failures:
        raise _FileFailure(*failures)
    table = pa.table(
        {
            **{column: pa.array(values[column], pa.string()) for column in TABLES["ref_etr"].columns},
            SOURCE_ROW: pa.array(numbers, pa.int64()),
        }
    )
    return FileRead(tables={"ref_etr": table}, rows_read=len(numbers))


def _read_workbook(data: bytes) -> FileRead:
    """All six WRES sheets from one open of the workbook."""
    try:
        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheet_names: dict[str, str] = {}  # trimmed lower-case -> as written
        failures, notes, parts = [], [], []
        for name in workbook.sheet_names:
            key = name.strip().lower()
            if key in sheet_names:
                failures.append(Failure("duplicate_sheet", f"two sheets are named {key!r}", key))
            sheet_names[key] = name
        extra = [name for key, name in sheet_names.items() if key not in WRES_SHEETS]
        if extra:
            notes.append(f"ignored sheets not in the contract: {', '.join(extra)}")
        for sheet, table in WRES_SHEETS.items():
            if sheet not in sheet_names:
                missing = Failure("missing_sheet", f"the workbook has no {sheet!r} sheet", sheet)
                parts.append(_Selected(table.name, None, 0, [missing], []))
                continue
            cells = workbook.get_sheet_by_name(sheet_names[sheet]).to_python(skip_empty_area=False)
            if not cells:
                empty = Failure(
                    "empty_sheet", f"the {sheet!r} sheet is empty: row 1 must be the header", sheet
                )
                parts.append(_Selected(table.name, None, 0, [empty], []))
                continue
            parts.append(_select(table, _sheet_grid(cells), rename={}, sheet=sheet))
    except python_calamine.CalamineError as error:
        raise _FileFailure(Failure("unreadable_file", f"not a readable .xlsx workbook ({error})")) from error
    return _land(parts, failures, notes)


def _sheet_grid(cells: list[list]) -> _Grid:
    # Sheets are small and many: plain Python here beats a dozen pyarrow calls per sheet.
    header = [_column_name(name) for name in _cells_text(cells[0])]
    columns = [pa.array(_column_text(column), pa.string()) for column in zip(*cells[1:], strict=True)]
    if not columns:  # a header with no data rows below it
        return _Grid(header, [pa.array([], pa.string()) for _ in header], 2, pa.array([], pa.bool_()), 0)
    # A row is blank when every cell is null; none is when some column has no null.
    if all(column.null_count for column in columns):
        return _text_grid(header, columns, first_row=2)
    return _Grid(header, columns, 2, _NO_BLANK_ROWS, 0, len(cells) - 1)


def _column_text(cells: tuple) -> list[str | None]:
    """One column's cells as text: a column of one type (most are) takes a loop without
    type tests; anything else goes cell by cell."""
    kinds = set(map(type, cells))
    if kinds == {str}:
        return [value.strip() or None for value in cells]
    if kinds == {float}:
        return ["%.15g" % value for value in cells]  # the text of f"{value:.15g}", a third faster
    return _cells_text(cells)


def _cells_text(cells: Sequence) -> list[str | None]:
    """Spreadsheet cells as a person would type them: trimmed, and None when empty.

    Text and numbers are nearly every cell, so they are handled inline: a function call
    per cell would double the time to read a national year of workbooks.
    """
    return [
        (value.strip() or None)  # the same trimming as _clean_text, cell by cell
        if type(value) is str
        # Excel keeps every number as a float; 15 significant digits is what it shows.
        else "%.15g" % value
        if type(value) is float
        else _other_cell_text(value)
        for value in cells
    ]


def _other_cell_text(value: object) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime.datetime):  # before date: a datetime is a date
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat(sep=" ")
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    return str(value)


def _file_grid(file: LandingFile, data: bytes) -> _Grid:
    name = file.relpath.rsplit("/", 1)[-1].strip().lower()
    if name.endswith(".parquet"):
        return _parquet_grid(data)
    return _csv_grid(data, gzipped=name.endswith(".gz"))


def _csv_grid(data: bytes, *, gzipped: bool) -> _Grid:
    """A UTF-8 CSV (BOM or not, LF or CRLF, optionally gzip) with every value as text."""
    if gzipped:
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as error:
            raise _FileFailure(Failure("unreadable_file", f"not a readable gzip file ({error})")) from error
    _require_text(data)

    malformed: list[Failure] = []

    def skip_malformed(row: pa_csv.InvalidRow) -> str:
        # Our own message: pyarrow's would quote the row, which may hold personal data.
        message = f"row {row.number} has {row.actual_columns} fields; the header has {row.expected_columns}"
        malformed.append(Failure("malformed_row", message, row=row.number))
        return "skip"

    try:
        table = pa_csv.read_csv(
            pa.BufferReader(data),
            # Single-threaded so that pyarrow knows each malformed row's number.
            read_options=pa_csv.ReadOptions(autogenerate_column_names=True, use_threads=False),
            parse_options=pa_csv.ParseOptions(
                newlines_in_values=True,
                ignore_empty_lines=False,  # kept (as blank rows) so that row numbers stay true
                invalid_row_handler=skip_malformed,
            ),
            # Empty fields, quoted or not, are read as null: what cleaning makes of them.
            convert_options=pa_csv.ConvertOptions(
                column_types=_ALL_TEXT,
                null_values=[""],
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
            ),
        )
    except pa.ArrowInvalid as error:
        raise _FileFailure(Failure("unreadable_file", "could not be parsed as CSV")) from error
    if malformed:
        raise _FileFailure(*malformed)
    if table.num_columns > _MAX_CSV_COLUMNS:
        message = f"the file has {table.num_columns} columns; at most {_MAX_CSV_COLUMNS} can be read"
        raise _FileFailure(Failure("too_many_columns", message))

    header = [_column_name(column[0].as_py()) for column in table.columns]
    columns = table.columns
    del table  # so that each column is let go once it is cleaned
    return _text_grid(header, [column.slice(1) for column in _cleaned(columns, _csv_text)], first_row=2)


def _csv_text(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """A CSV column cleaned chunk by chunk: a chunk of nothing but ASCII letters and digits (a
    survey's codes and answers, most chunks) is clean already, since empty fields were read as
    null, and trimming it would copy it for nothing."""
    return pa.chunked_array(
        [chunk if _letters_and_digits(chunk) else _clean_text(chunk) for chunk in column.chunks],
        column.type,
    )


def _letters_and_digits(chunk: pa.Array) -> bool:
    """True when every byte of the chunk's text is an ASCII letter or digit."""
    text = chunk.buffers()[2]
    return text is not None and text.size > 0 and text.to_pybytes().isalnum()


def _cleaned(
    columns: list[pa.ChunkedArray], clean: Callable[[pa.ChunkedArray], pa.ChunkedArray]
) -> list[pa.ChunkedArray]:
    """The columns through `clean`. `columns` is emptied as it goes, so that a large file is
    never held twice over."""
    cleaned = []
    while columns:
        cleaned.append(clean(columns.pop(0)))
    return cleaned


def _require_text(data: bytes) -> None:
    """Fail unless the bytes are UTF-8 text with something in it (pyarrow parses the bytes)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        message = f"not UTF-8 text (the first bad byte is at offset {error.start}); save it as CSV UTF-8"
        raise _FileFailure(Failure("unreadable_file", message)) from error
    if not text or text.isspace():
        raise _FileFailure(Failure("empty_file", "the file has no content"))


def _parquet_grid(data: bytes) -> _Grid:
    try:
        table = pq.read_table(pa.BufferReader(data))
        if not table.num_columns:
            raise _FileFailure(Failure("empty_file", "the parquet file has no columns"))
        header = [_column_name(name) for name in table.column_names]
        columns = table.columns
        del table
        columns = _cleaned(columns, lambda column: _clean_text(_as_text(column)))
    except pa.ArrowException as error:
        raise _FileFailure(Failure("unreadable_file", f"not a readable parquet file ({error})")) from error
    return _text_grid(header, columns, first_row=2)


def _text_grid(header: list[str], columns: list[pa.ChunkedArray], first_row: int) -> _Grid:
    blank = pc.is_null(columns[0])
    for column in columns[1:]:
        blank = pc.and_(blank, pc.is_null(column))
    return _Grid(header, columns, first_row, blank, pc.sum(blank).as_py() or 0)


def _as_text(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """A typed parquet column as text; pandas writes missing numbers as NaN, which is null."""
    if pa.types.is_floating(column.type):
        column = pc.if_else(pc.is_nan(column), pa.scalar(None, column.type), column)
    return column.cast(pa.string())  # integers and integral floats come out as `12`


def _clean_text(column: pa.ChunkedArray | pa.Array) -> pa.ChunkedArray | pa.Array:
    trimmed = pc.utf8_trim_whitespace(column)
    return pc.if_else(pc.equal(trimmed, ""), _NULL_TEXT, trimmed)


def _column_name(name: str | None) -> str:
    return (name or "").strip().lower()


def _read_column_map(grid: _Grid) -> FileRead:
    """A survey year's own column names -> the contract's, checked so that no column is guessed."""
    read = _land([_select(COLUMN_MAP, grid, rename={})])
    if read.failures:
        return read
    rows = read.tables.pop(COLUMN_MAP.name).to_pydict()
    known = TABLES["survey_responses"].columns
    mapping: dict[str, str] = {}
    for row, source, canonical in zip(
        rows[SOURCE_ROW], rows["source_column"], rows["canonical_column"], strict=True
    ):
        if source is None or canonical is None:
            column = "source_column" if source is None else "canonical_column"
            read.failures.append(
                Failure("missing_value", f"row {row} has no {column}", row=row, column=column)
            )
            continue
        source, canonical = source.lower(), canonical.lower()
        if canonical not in known:
            message = f"{canonical!r} is not a staff survey column ({', '.join(known)})"
            read.failures.append(
                Failure("unknown_canonical_column", message, row=row, column="canonical_column")
            )
        elif source in mapping:
            message = f"{source!r} is mapped more than once"
            read.failures.append(Failure("duplicate_source_column", message, row=row, column="source_column"))
        elif canonical in mapping.values():
            message = f"more than one column is mapped to {canonical!r}"
            read.failures.append(
                Failure("duplicate_canonical_column", message, row=row, column="canonical_column")
            )
        else:
            mapping[source] = canonical
    read.column_map = None if read.failures else mapping
    return read


@functools.cache
def _as_landed(columns: tuple[str, ...]) -> tuple[str, ...]:
    """Table columns as the landing file names them: with the clear personal-data column."""
    clear_for = {pseudonym: clear for clear, pseudonym in PSEUDONYMISED_COLUMNS.items()}
    return tuple(clear_for.get(column, column) for column in columns)


@dataclass
class _Selected:
    table: str
    rows: pa.Table | None  # None when a column is missing or duplicated
    rows_read: int
    failures: list[Failure]
    notes: list[str]


def _select(
    table: LandedTable,
    grid: _Grid,
    *,
    rename: dict[str, str],
    sheet: str | None = None,
) -> _Selected:
    """The table's columns, in contract order, from a grid; blank rows skipped."""
    names = [rename.get(name, name) for name in grid.header]
    wanted = _as_landed(tuple(table.columns))
    required = _as_landed(table.required_columns)
    where = f"the {sheet!r} sheet" if sheet else "the file"
    failures, notes = [], []
    positions: dict[str, int] = {}
    for column in wanted:
        found = [i for i, name in enumerate(names) if name == column]
        if len(found) > 1:
            failures.append(
                Failure(
                    "duplicate_column", f"{where} has {len(found)} {column} columns", sheet, column=column
                )
            )
        elif found:
            positions[column] = found[0]
        elif column in required:
            failures.append(
                Failure("missing_column", f"{where} has no {column} column", sheet, column=column)
            )
    extra = sorted({name or "(unnamed)" for name in names if name not in wanted})
    if extra:
        notes.append(f"{where}: ignored columns not in the contract: {', '.join(extra)}")

    count = len(grid.blank) if grid.rows is None else grid.rows
    if failures:
        return _Selected(table.name, None, count - grid.blank_count, failures, notes)
    row_numbers = _row_numbers(grid.first_row, count)
    columns = {
        column: grid.columns[positions[column]] if column in positions else pa.nulls(count, pa.string())
        for column in wanted
    }
    rows = pa.table({**columns, SOURCE_ROW: row_numbers})
    if grid.blank_count:
        rows = rows.filter(pc.invert(grid.blank))
    return _Selected(table.name, rows, rows.num_rows, failures, notes)


def _row_numbers(first: int, count: int) -> pa.Array:
    """first, first + 1, ... as int64. A sheet's are kept for the next workbook, whose sheet
    is most often as long (Arrow arrays are immutable, so tables can share one)."""
    if count < _ROW_NUMBERS_KEPT:
        return _kept_row_numbers(first, count)
    return _counted_row_numbers(first, count)


@functools.lru_cache(maxsize=64)
def _kept_row_numbers(first: int, count: int) -> pa.Array:
    return _counted_row_numbers(first, count)


def _counted_row_numbers(first: int, count: int) -> pa.Array:
    """pa.array(range(...)) converts each number in Python (a tenth of a second for a survey
    year), so long runs are summed in Arrow instead, whose fixed cost is more than a short
    sheet's conversion."""
    if count < _ROW_NUMBERS_IN_ARROW:
        return pa.array(range(first, first + count), pa.int64())
    return pc.cumulative_sum(pa.repeat(pa.scalar(1, pa.int64()), count), start=first - 1)


def _land(
    parts: Sequence[_Selected], failures: Sequence[Failure] = (), notes: Sequence[str] = ()
) -> FileRead:
    """One file's result: every part's rows, or none at all if anything failed."""
    all_failures = [*failures, *(f for part in parts for f in part.failures)]
    return FileRead(
        tables={} if all_failures else {part.table: part.rows for part in parts},
        rows_read=sum(part.rows_read for part in parts),
        failures=all_failures,
        notes=[*notes, *(note for part in parts for note in part.notes)],
    )
