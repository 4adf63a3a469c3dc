"""Discovery: every landing file is classified by the landing layout, none is skipped."""

from __future__ import annotations

from landing_builders import write_bytes

from ingest.discover import SURVEY_COLUMN_MAP, UNRECOGNISED, WRES_WORKBOOK, discover


def _touch(root, *relpaths):
    for relpath in relpaths:
        write_bytes(root / relpath, b"x")


def _by_path(root):
    return {file.relpath: file for file in discover(root)}


def test_every_layout_entry_is_recognised(tmp_path):
    _touch(
        tmp_path,
        "reference/etr.csv",
        "reference/regions.csv",
        "reference/trust_types.csv",
        "reference/successors.csv",
        "wres/2024/RJ1_wres_2024.xlsx",
        "staff_survey/2023/responses.csv",
        "staff_survey/2022/responses.csv.gz",
        "staff_survey/2021/responses.parquet",
        "staff_survey/2023/column_map.csv",
        "concerns/2024/cases.csv",
        "concerns/2024/practitioner_population.csv",
    )
    found = _by_path(tmp_path)
    kinds = {relpath: (f.source, f.kind, f.year, f.org_code, f.problem) for relpath, f in found.items()}
    assert kinds == {
        "reference/etr.csv": ("reference", "ref_etr", None, None, None),
        "reference/regions.csv": ("reference", "ref_regions", None, None, None),
        "reference/trust_types.csv": ("reference", "ref_trust_types", None, None, None),
        "reference/successors.csv": ("reference", "ref_successors", None, None, None),
        "wres/2024/RJ1_wres_2024.xlsx": ("wres", WRES_WORKBOOK, 2024, "RJ1", None),
        "staff_survey/2023/responses.csv": ("staff_survey", "survey_responses", 2023, None, None),
        "staff_survey/2022/responses.csv.gz": ("staff_survey", "survey_responses", 2022, None, None),
        "staff_survey/2021/responses.parquet": ("staff_survey", "survey_responses", 2021, None, None),
        "staff_survey/2023/column_map.csv": ("staff_survey", SURVEY_COLUMN_MAP, 2023, None, None),
        "concerns/2024/cases.csv": ("concerns", "concerns_cases", 2024, None, None),
        "concerns/2024/practitioner_population.csv": ("concerns", "concerns_population", 2024, None, None),
    }
    assert list(found) == sorted(found)  # relpath order


def test_names_match_case_insensitively_after_trimming(tmp_path):
    _touch(
        tmp_path,
        "Reference/ETR.CSV",
        " WRES /2024/rj1_WRES_2024.XLSX",
        "Staff_Survey/2023/ Responses.CSV.GZ ",
    )
    found = _by_path(tmp_path)
    assert found["Reference/ETR.CSV"].kind == "ref_etr"
    wres = found[" WRES /2024/rj1_WRES_2024.XLSX"]
    assert (wres.kind, wres.year, wres.org_code, wres.problem) == (WRES_WORKBOOK, 2024, "RJ1", None)
    assert found["Staff_Survey/2023/ Responses.CSV.GZ "].kind == "survey_responses"


def test_anything_else_is_unrecognised_with_a_reason(tmp_path):
    odd = [
        "readme.txt",
        ".DS_Store",
        "reference/etr_old.csv",
        "reference/2024/etr.csv",
        "wres/2024/RJ1_wres_2024.xls",
        "wres/2024/notes.txt",
        "wres/latest/RJ1_wres_2024.xlsx",
        "wres/RJ1_wres_2024.xlsx",
        "staff_survey/2023/responses.xlsx",
        "concerns/2024/archive/cases.csv",
        "concerns/2024/cases.txt",
    ]
    _touch(tmp_path, *odd)
    found = _by_path(tmp_path)
    assert sorted(found) == sorted(odd)
    for file in found.values():
        assert (file.source, file.kind) == (UNRECOGNISED, None)
        assert file.problem.rule == "unrecognised_file"
        assert file.problem.message.startswith("not a file the input contract names")
    assert "<ORG>_wres_<Y>.xlsx" in found["wres/2024/notes.txt"].problem.message


def test_wres_file_year_must_match_its_folder(tmp_path):
    _touch(tmp_path, "wres/2024/RJ1_wres_2023.xlsx")
    (file,) = discover(tmp_path)
    assert (file.source, file.year, file.org_code) == ("wres", 2024, "RJ1")
    assert file.problem.rule == "year_mismatch"
    assert "2023" in file.problem.message and "2024" in file.problem.message


def test_two_survey_files_for_one_year_are_both_ambiguous(tmp_path):
    _touch(
        tmp_path,
        "staff_survey/2023/responses.csv",
        "staff_survey/2023/responses.parquet",
        "staff_survey/2022/responses.csv",
    )
    found = _by_path(tmp_path)
    for relpath in ("staff_survey/2023/responses.csv", "staff_survey/2023/responses.parquet"):
        assert found[relpath].problem.rule == "ambiguous_survey_file"
        assert "staff_survey/2023/responses.parquet" in found[relpath].problem.message
    assert found["staff_survey/2022/responses.csv"].problem is None


def test_case_variants_of_one_file_are_ambiguous(tmp_path):
    _touch(
        tmp_path,
        "reference/etr.csv",
        "reference/ETR.csv",
        "wres/2024/RJ1_wres_2024.xlsx",
        "wres/2024/rj1_wres_2024.xlsx",
    )
    rules = {file.relpath: file.problem.rule for file in discover(tmp_path)}
    assert set(rules.values()) == {"ambiguous_file"} and len(rules) == 4
