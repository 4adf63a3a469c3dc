"""Readers: every format read as text, the raw zone's way; structural problems as failures."""

from __future__ import annotations

import datetime
import gzip
from pathlib import Path

import pyarrow as pa
from landing_builders import (
    etr_row,
    table_rows,
    wres_sheets,
    write_bytes,
    write_csv,
    write_parquet,
    write_xlsx,
)

from ingest.discover import classify
from ingest.readers import read_file
from ingest.tables import SOURCE_ROW, TABLES

WRES = "wres/2024/RJ1_wres_2024.xlsx"
FIXTURES = Path(__file__).parent / "fixtures" / "ods"


def _read(root, relpath, column_map=None):
    path = root / relpath
    return read_file(classify(path, relpath), path.read_bytes(), column_map)


def _rules(read):
    return [(f.rule, f.sheet, f.row, f.column) for f in read.failures]


# --- WRES workbooks -------------------------------------------------------------------


def test_workbook_numbers_and_dates_are_text_as_typed(tmp_path):
    sheets = wres_sheets("RJ1", 2024)
    sheets["workforce"] = [
        [" Staff_Group ", "BAND", "ethnic_category", "headcount"],  # header names trimmed, any case
        ["Clinical", "Band 5", 99, 12],  # ethnic code 99 typed as a number
        [" Clinical ", "Band 8a", "A", 12.5],
        [None, None, None, None],  # a blank row: skipped, row numbers below stay true
        ["Medical and dental", "Consultant", "Z", 1234567],
    ]
    sheets["submission"][1][2] = datetime.datetime(2024, 5, 31, 0, 0)
    write_xlsx(tmp_path / WRES, sheets)

    read = _read(tmp_path, WRES)
    assert read.failures == []
    workforce = read.tables["wres_workforce"].to_pylist()
    assert workforce == [
        {
            "staff_group": "Clinical",
            "band": "Band 5",
            "ethnic_category": "99",
            "headcount": "12",
            SOURCE_ROW: 2,
        },
        {
            "staff_group": "Clinical",
            "band": "Band 8a",
            "ethnic_category": "A",
            "headcount": "12.5",
            SOURCE_ROW: 3,
        },
        {
            "staff_group": "Medical and dental",
            "band": "Consultant",
            "ethnic_category": "Z",
            "headcount": "1234567",
            SOURCE_ROW: 5,
        },
    ]
    submission = read.tables["wres_submission"].to_pylist()
    assert submission == [
        {"org_code": "RJ1", "reporting_year": "2024", "submission_date": "2024-05-31", SOURCE_ROW: 2}
    ]
    assert set(read.tables) == {t.name for t in TABLES.values() if t.source == "wres"}
    assert read.rows_read == 3 + 1 + 2 + 1 + 1 + 2
    assert read.tables["wres_workforce"].schema.field("headcount").type == pa.string()


def test_sheet_rows_are_kept_when_every_column_has_an_empty_cell_but_no_row_is_blank(tmp_path):
    # Blank rows are looked for only when every column has an empty cell; then a row is
    # skipped only when all of its cells are empty.
    sheets = wres_sheets("RJ1", 2024)
    sheets["workforce"] = [
        ["staff_group", "band", "ethnic_category", "headcount"],
        [None, "Band 5", "A", 3],
        ["Clinical", None, "B", 4],
        ["Clinical", "Band 6", None, 5],
        ["Clinical", "Band 7", "C", None],
    ]
    sheets["recruitment"] = [
        ["ethnic_category", "shortlisted", "appointed"],
        ["A", None, 2],
        [None, None, None],  # blank: skipped
        [None, 7, None],
    ]
    write_xlsx(tmp_path / WRES, sheets)
    read = _read(tmp_path, WRES)
    workforce = read.tables["wres_workforce"]
    assert workforce.column(SOURCE_ROW).to_pylist() == [2, 3, 4, 5]
    assert workforce.column("band").to_pylist() == ["Band 5", None, "Band 6", "Band 7"]
    assert workforce.column("headcount").to_pylist() == ["3", "4", "5", None]
    recruitment = read.tables["wres_recruitment"]
    assert recruitment.column(SOURCE_ROW).to_pylist() == [2, 4]
    assert recruitment.column("shortlisted").to_pylist() == [None, "7"]
    assert read.rows_read == 1 + 4 + 2 + 1 + 1 + 2  # submission, workforce, recruitment, ...


def test_workbook_empty_cells_are_null_and_datetimes_keep_their_time(tmp_path):
    sheets = wres_sheets("RJ1", 2024)
    sheets["submission"] = [
        ["org_code", "reporting_year", "submission_date"],
        ["RJ1", "  ", datetime.datetime(2024, 5, 31, 14, 30)],
    ]
    sheets["board"] = [["ethnic_category", "executive", "voting", "members"], ["A", "Y", None, True]]
    write_xlsx(tmp_path / WRES, sheets)
    read = _read(tmp_path, WRES)
    assert read.tables["wres_submission"].to_pylist()[0]["reporting_year"] is None
    assert read.tables["wres_submission"].to_pylist()[0]["submission_date"] == "2024-05-31 14:30:00"
    board = read.tables["wres_board"].to_pylist()[0]
    assert (board["voting"], board["members"]) == (None, "TRUE")


def test_sheet_names_match_case_insensitively_and_extras_are_noted(tmp_path):
    sheets = {f" {name.upper()} ": rows for name, rows in wres_sheets("RJ1", 2024).items()}
    sheets["Instructions"] = [["Fill in every sheet"]]
    sheets[" WORKFORCE "][0].append("comments")
    write_xlsx(tmp_path / WRES, sheets)
    read = _read(tmp_path, WRES)
    assert read.failures == []
    assert read.tables["wres_workforce"].column_names == [
        "staff_group",
        "band",
        "ethnic_category",
        "headcount",
        SOURCE_ROW,
    ]
    assert read.notes == [
        "ignored sheets not in the contract: Instructions",
        "the 'workforce' sheet: ignored columns not in the contract: comments",
    ]


def test_missing_sheet_and_missing_column_fail_the_whole_workbook(tmp_path):
    sheets = wres_sheets("RJ1", 2024)
    del sheets["training"]
    sheets["recruitment"] = [["ethnic_category", "shortlisted"], ["A", 3]]
    write_xlsx(tmp_path / WRES, sheets)
    read = _read(tmp_path, WRES)
    assert _rules(read) == [
        ("missing_column", "recruitment", None, "appointed"),
        ("missing_sheet", "training", None, None),
    ]
    assert read.tables == {}  # nothing from a failed file, not even its good sheets


def test_empty_sheet_duplicate_column_and_unreadable_workbook(tmp_path):
    sheets = wres_sheets("RJ1", 2024)
    sheets["board"] = []
    sheets["training"] = [["ethnic_category", "Ethnic_Category", "accessed_non_mandatory_training"]]
    write_xlsx(tmp_path / WRES, sheets)
    assert _rules(_read(tmp_path, WRES)) == [
        ("duplicate_column", "training", None, "ethnic_category"),
        ("empty_sheet", "board", None, None),
    ]
    write_bytes(tmp_path / WRES, b"this is not a workbook")
    (failure,) = _read(tmp_path, WRES).failures
    assert failure.rule == "unreadable_file"
    write_bytes(tmp_path / WRES, b"")
    assert _rules(_read(tmp_path, WRES)) == [("empty_file", None, None, None)]


# --- CSV --------------------------------------------------------------------------------

POPULATION = "concerns/2024/practitioner_population.csv"


def _population(**overrides):
    record = {
        "reporting_year": "2024",
        "profession": "Doctor",
        "region_code": "Y56",
        "ethnic_category": "A",
        "place_of_first_qualification": "UK",
        "practitioners": "012",
    }
    return {**record, **overrides}


def test_csv_with_bom_and_crlf_is_text_trimmed_with_nulls(tmp_path):
    rows = table_rows(
        "concerns_population", [_population(), _population(profession="  Dentist ", practitioners="")]
    )
    rows[0] = [f" {name.upper()} " for name in rows[0]]
    write_csv(tmp_path / POPULATION, rows, bom=True, crlf=True)
    read = _read(tmp_path, POPULATION)
    assert read.failures == []
    got = read.tables["concerns_population"].to_pylist()
    assert [(r["profession"], r["practitioners"], r[SOURCE_ROW]) for r in got] == [
        ("Doctor", "012", 2),
        ("Dentist", None, 3),
    ]


def test_csv_quoting_blank_lines_and_gzip(tmp_path):
    text = (
        "reporting_year,profession,region_code,ethnic_category,place_of_first_qualification,practitioners\n"
        '2024,"Doctor, senior",Y56,A,"Outside\nEEA",5\n'
        "\n"
        "2024,Dentist,Y56,99,UK,7\n"
    )
    relpath = "staff_survey/2023/responses.csv.gz"
    for path, data in ((POPULATION, text.encode()), (relpath, gzip.compress(text.encode()))):
        write_bytes(tmp_path / path, data)
    got = _read(tmp_path, POPULATION).tables["concerns_population"].to_pylist()
    assert [(r["profession"], r["place_of_first_qualification"], r[SOURCE_ROW]) for r in got] == [
        ("Doctor, senior", "Outside\nEEA", 2),
        ("Dentist", "UK", 4),  # the blank line is row 3
    ]
    # The survey reader accepts gzip (and then finds this is not a survey file).
    assert {f.rule for f in _read(tmp_path, relpath).failures} == {"missing_column"}


def test_csv_empty_and_blank_fields_are_null_quoted_or_not(tmp_path):
    text = (
        "reporting_year,profession,region_code,ethnic_category,place_of_first_qualification,practitioners\n"
        '2024,"",Y56,A,"  ",5\n'
        "2024,\u00a0Dentist\u3000,Y56,\t,UK,\n"
        "2024,Doctor,Y56,99,UK,012\n"  # letters and digits only: kept as they are
    )
    write_bytes(tmp_path / POPULATION, text.encode())
    got = _read(tmp_path, POPULATION).tables["concerns_population"].to_pylist()
    fields = ("profession", "ethnic_category", "place_of_first_qualification", "practitioners")
    assert [tuple(r[f] for f in fields) for r in got] == [
        (None, "A", None, "5"),
        ("Dentist", None, "UK", None),
        ("Doctor", "99", "UK", "012"),
    ]


def test_header_only_csv_loads_no_rows(tmp_path):
    write_csv(tmp_path / POPULATION, table_rows("concerns_population", []))
    read = _read(tmp_path, POPULATION)
    assert (read.failures, read.rows_read, read.tables["concerns_population"].num_rows) == ([], 0, 0)


def test_csv_structural_failures(tmp_path):
    write_bytes(tmp_path / POPULATION, b"")
    assert _rules(_read(tmp_path, POPULATION)) == [("empty_file", None, None, None)]
    write_bytes(tmp_path / POPULATION, "\ufeff\r\n".encode())
    assert _rules(_read(tmp_path, POPULATION)) == [("empty_file", None, None, None)]
    write_bytes(tmp_path / POPULATION, "reporting_year,profession\n2024,Médecin\n".encode("latin-1"))
    (failure,) = _read(tmp_path, POPULATION).failures
    assert failure.rule == "unreadable_file" and "UTF-8" in failure.message
    write_bytes(tmp_path / "staff_survey/2023/responses.csv.gz", b"not gzip")
    (failure,) = _read(tmp_path, "staff_survey/2023/responses.csv.gz").failures
    assert failure.rule == "unreadable_file" and "gzip" in failure.message
    write_csv(tmp_path / POPULATION, [["reporting_year", "profession"], ["2024", "Doctor"]])
    assert {(f.rule, f.column) for f in _read(tmp_path, POPULATION).failures} == {
        ("missing_column", column)
        for column in ("region_code", "ethnic_category", "place_of_first_qualification", "practitioners")
    }


def test_malformed_rows_are_named_without_quoting_them(tmp_path):
    rows = table_rows("concerns_cases", [{"case_ref": "C1", "practitioner_id": "GMC999"}])
    rows.append(["C2", "GMC998", "Doctor"])  # too few fields
    write_csv(tmp_path / "concerns/2024/cases.csv", rows)
    read = _read(tmp_path, "concerns/2024/cases.csv")
    assert _rules(read) == [("malformed_row", None, 3, None)]
    assert "GMC998" not in read.failures[0].message
    assert read.tables == {}


def test_etr_has_no_header_and_uses_ods_positions(tmp_path):
    write_csv(
        tmp_path / "reference/etr.csv",
        [etr_row("RJ1", "Guy's and St Thomas'"), etr_row("RXX", "Closed", close_date="20200331")],
    )
    read = _read(tmp_path, "reference/etr.csv")
    assert read.notes == []  # the unused ODS columns are expected
    assert read.tables["ref_etr"].to_pylist() == [
        {
            "org_code": "RJ1",
            "org_name": "Guy's and St Thomas'",
            "region_code": "Y56",
            "icb_code": "QMJ",
            "postcode": "NW1 2PL",
            "open_date": "20000401",
            "close_date": None,
            SOURCE_ROW: 1,
        },
        {
            "org_code": "RXX",
            "org_name": "Closed",
            "region_code": "Y56",
            "icb_code": "QMJ",
            "postcode": "NW1 2PL",
            "open_date": "20000401",
            "close_date": "20200331",
            SOURCE_ROW: 2,
        },
    ]


def test_etr_rows_need_the_twelve_columns_the_contract_uses(tmp_path):
    # Contract 1.1: rows may differ in width; only a row narrower than column 12 (close
    # date) makes the file unusable, and the failure names the row.
    write_csv(
        tmp_path / "reference/etr.csv",
        [etr_row("RJ1", "Narrow", width=12), etr_row("RJ2", "Wide", width=27), [], etr_row("RJ3", "x", width=24)],
    )
    read = _read(tmp_path, "reference/etr.csv")
    assert read.failures == [] and read.rows_read == 3
    assert read.tables["ref_etr"].column(SOURCE_ROW).to_pylist() == [1, 2, 4]  # the blank line is skipped
    write_csv(tmp_path / "reference/etr.csv", [etr_row("RJ1", "Fine"), etr_row("RJ2", "Cut")[:11]])
    assert _rules(_read(tmp_path, "reference/etr.csv")) == [("too_few_columns", None, 2, None)]


def test_etr_as_ods_publishes_it_keeps_names_and_icb_codes_character_for_character():
    # Real published rows, both layouts: 24 columns quoted where needed, and 27 columns all
    # quoted; names with commas and apostrophes; empty national grouping and open date.
    import csv

    from ingest.readers import ETR_COLUMNS

    for name in ("etr_2017_excerpt.csv", "etr_2025_excerpt.csv"):
        path = FIXTURES / name
        read = read_file(classify(path, "reference/etr.csv"), path.read_bytes())
        assert read.failures == []
        rows = list(csv.reader(path.open(newline="", encoding="utf-8")))
        published = [
            {column: (record[position - 1] or None) for position, column in ETR_COLUMNS.items()} | {SOURCE_ROW: n}
            for n, record in enumerate(rows, start=1)
        ]
        assert read.tables["ref_etr"].to_pylist() == published, name
    names = dict(zip(*read.tables["ref_etr"].select(["org_code", "org_name"]).to_pydict().values(), strict=True))
    assert names["RCX"] == "THE QUEEN ELIZABETH HOSPITAL, KING'S LYNN, NHS FOUNDATION TRUST"
    assert names["G6V2S"] == "NORTH LONDON NHS FOUNDATION TRUST"


# --- Staff survey -----------------------------------------------------------------------

SURVEY = "staff_survey/2023/responses.parquet"


def test_survey_parquet_typed_columns_become_text(tmp_path):
    write_parquet(
        tmp_path / SURVEY,
        {
            "Survey_Year": [2023, 2023],
            "org_code": ["RJ1", "RJ1"],
            "respondent_id": ["a", "b"],
            "ethnic_category": ["99", " A "],
            "q_hba_public": [1.0, float("nan")],  # pandas writes a missing number as NaN
            "q_hba_manager": pa.array([2, None], pa.int64()),
            "q_hba_colleagues": [3, 4],
            "q_equal_opps": ["1", ""],
            "q_discrim_mgr_colleague": [2, 1],
        },
    )
    read = _read(tmp_path, SURVEY)
    assert read.failures == []
    first, second = read.tables["survey_responses"].to_pylist()
    assert first == {
        "survey_year": "2023",
        "org_code": "RJ1",
        "respondent_id": "a",
        "ethnic_category": "99",
        "q_hba_public": "1",
        "q_hba_manager": "2",
        "q_hba_colleagues": "3",
        "q_equal_opps": "1",
        "q_discrim_mgr_colleague": "2",
        SOURCE_ROW: 2,
    }
    blanks = ("q_hba_public", "q_hba_manager", "q_equal_opps")
    assert second["ethnic_category"] == "A" and [second[c] for c in blanks] == [None, None, None]
    write_bytes(tmp_path / SURVEY, b"PAR1 but not parquet")
    assert _rules(_read(tmp_path, SURVEY)) == [("unreadable_file", None, None, None)]


def test_survey_column_map_renames_case_insensitively(tmp_path):
    columns = TABLES["survey_responses"].columns
    own_names = {"q_hba_public": "Q14a", "q_hba_manager": "q14B", "q_equal_opps": "Q15"}
    header = [own_names.get(column, column) for column in columns]
    write_csv(
        tmp_path / "staff_survey/2023/responses.csv",
        [header, ["2023", "RJ1", "r1", "A", "1", "2", "3", "1", "2"]],
    )
    write_csv(
        tmp_path / "staff_survey/2023/column_map.csv",
        [
            ["Source_Column", "canonical_column"],
            ["q14A", "Q_HBA_PUBLIC"],
            [" Q14b ", "q_hba_manager"],
            ["Q15", "q_equal_opps"],
            ["Q99", "q_discrim_mgr_colleague"],
        ],
    )
    column_map = _read(tmp_path, "staff_survey/2023/column_map.csv")
    assert column_map.failures == [] and column_map.tables == {}
    assert column_map.column_map == {
        "q14a": "q_hba_public",
        "q14b": "q_hba_manager",
        "q15": "q_equal_opps",
        "q99": "q_discrim_mgr_colleague",
    }
    (row,) = (
        _read(tmp_path, "staff_survey/2023/responses.csv", column_map.column_map)
        .tables["survey_responses"]
        .to_pylist()
    )
    assert (row["q_hba_public"], row["q_hba_manager"], row["q_equal_opps"]) == ("1", "2", "1")
    # Without the map, the year's own names are missing contract columns.
    unmapped = _read(tmp_path, "staff_survey/2023/responses.csv")
    assert sorted(f.column for f in unmapped.failures) == ["q_equal_opps", "q_hba_manager", "q_hba_public"]


def test_a_bad_column_map_is_a_failure_row_by_row(tmp_path):
    write_csv(
        tmp_path / "staff_survey/2023/column_map.csv",
        [
            ["source_column", "canonical_column"],
            ["Q14a", "q_hba_public"],
            ["Q14A", "q_hba_manager"],
            ["Q20", "q_hba_public"],
            ["Q21", "q_unknown"],
            ["", "q_equal_opps"],
        ],
    )
    read = _read(tmp_path, "staff_survey/2023/column_map.csv")
    assert _rules(read) == [
        ("duplicate_source_column", None, 3, "source_column"),
        ("duplicate_canonical_column", None, 4, "canonical_column"),
        ("unknown_canonical_column", None, 5, "canonical_column"),
        ("missing_value", None, 6, "source_column"),
    ]
    assert read.column_map is None
