"""Byte-reproducible file writers: CSV (optionally with BOM, CRLF or gzip), parquet, xlsx.

Nothing written here carries a timestamp or a random name: gzip members have mtime 0 and
no file name, parquet files carry no pandas metadata, and workbooks have a fixed creation
date (xlsxwriter then also stamps every zip member with a fixed date).
"""

from __future__ import annotations

import csv
import gzip
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import xlsxwriter


def write_csv(
    frame: pd.DataFrame,
    path: Path,
    *,
    header: bool = True,
    quote_all: bool = False,
    bom: bool = False,
    crlf: bool = False,
    compress: bool = False,
) -> None:
    """UTF-8 CSV; missing values are empty fields."""
    text = frame.to_csv(
        index=False,
        header=header,
        lineterminator="\r\n" if crlf else "\n",
        quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL,
    )
    data = (("\ufeff" if bom else "") + text).encode("utf-8")
    if compress:
        data = gzip.compress(data, compresslevel=6, mtime=0)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def write_parquet(frame: pd.DataFrame, path: Path) -> None:
    table = pa.Table.from_pandas(frame, preserve_index=False)
    # Plain 32-bit-offset strings, as most writers produce, rather than pandas' large_string.
    schema = pa.schema([f.with_type(pa.string()) if pa.types.is_large_string(f.type) else f for f in table.schema])
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table.cast(schema).replace_schema_metadata(None), path)


def write_workbook(path: Path, sheets: dict[str, tuple[Sequence[str], Iterable[Sequence]]], created: datetime) -> None:
    """One sheet per entry: the header in row 1, then the rows. Dates are real date cells
    shown as yyyy-mm-dd, numbers are numbers, text is text."""
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook = xlsxwriter.Workbook(path, {"in_memory": True, "default_date_format": "yyyy-mm-dd"})
    workbook.set_properties({"created": created, "author": "Fictional nation generator"})
    for name, (header, rows) in sheets.items():
        sheet = workbook.add_worksheet(name)
        sheet.write_row(0, 0, header)
        for r, row in enumerate(rows, start=1):
            sheet.write_row(r, 0, row)
    workbook.close()
