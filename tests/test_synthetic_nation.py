"""The fictional nation generator writes the input contract, deterministically, with the
inequities the metrics are meant to find."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ingest.synthetic import SAMPLE_NATION, LandingNotEmptyError, generate_nation
from ingest.synthetic.__main__ import main as cli
from ingest.synthetic.codes import AFC_BANDS, ETHNIC_CATEGORIES, MEDICAL_BANDS, REGIONS, TRUST_TYPES
from ingest.synthetic.nation import EXTRA_ODS_ROWS, RETIRED_REGIONS, build_nation
from ingest.synthetic.survey import ITEMS, survey_format

# Six reporting years, so the survey years (2019-2024) take every format of the cycle.
TINY = dict(scale=0.02, trusts=8, first_year=2020, last_year=2025, seed=11)
YEARS = range(TINY["first_year"], TINY["last_year"] + 1)
SURVEY_YEARS = range(TINY["first_year"] - 1, TINY["last_year"])
SHEETS = {
    "submission": ["org_code", "reporting_year", "submission_date"],
    "workforce": ["staff_group", "band", "ethnic_category", "headcount"],
    "recruitment": ["ethnic_category", "shortlisted", "appointed"],
    "disciplinary": ["ethnic_category", "entered_formal_disciplinary"],
    "training": ["ethnic_category", "accessed_non_mandatory_training"],
    "board": ["ethnic_category", "executive", "voting", "members"],
}
WHITE, UNKNOWN = {"A", "B", "C"}, {"Z", "99"}


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Path:
    landing = tmp_path_factory.mktemp("tiny") / "landing"
    generate_nation(landing, **TINY)
    return landing


@pytest.fixture(scope="module")
def workbooks(tiny) -> dict[tuple[str, int], dict[str, pd.DataFrame]]:
    return {
        (path.name[:3], int(path.parent.name)): pd.read_excel(path, sheet_name=None, engine="calamine")
        for path in sorted(tiny.glob("wres/*/*.xlsx"))
    }


@pytest.fixture(scope="module")
def etr(tiny) -> pd.DataFrame:
    """The generated trusts of etr.csv, without the extra rows ODS publishes (tested below)."""
    etr = pd.read_csv(tiny / "reference" / "etr.csv", header=None, dtype=str, keep_default_na=False)
    return etr[~etr[0].isin(EXTRA_ODS_ROWS["org_code"])].reset_index(drop=True)


def text(value) -> str:
    """A spreadsheet cell as a person would type it (99, not 99.0)."""
    return str(int(value)) if isinstance(value, float | int) else str(value)


def read_survey(folder: Path) -> pd.DataFrame:
    (path,) = folder.glob("responses.*")
    if path.suffix == ".parquet":
        frame = pd.read_parquet(path, dtype_backend="numpy_nullable").astype("string")
    else:
        frame = pd.read_csv(path, dtype="string", encoding="utf-8-sig")
    column_map = folder / "column_map.csv"
    if column_map.exists():
        mapping = pd.read_csv(column_map)
        frame = frame.rename(columns=dict(zip(mapping["source_column"], mapping["canonical_column"], strict=True)))
    return frame


def digests(folder: Path) -> dict[str, str]:
    return {
        path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in folder.rglob("*")
        if path.is_file()
    }


def test_same_arguments_give_byte_identical_files(tiny, tmp_path):
    generate_nation(tmp_path / "again", **TINY)
    assert digests(tmp_path / "again") == digests(tiny)


def test_every_file_is_where_the_contract_says(tiny, etr):
    orgs = "|".join(etr[0])
    patterns = [
        r"reference/(etr|regions|trust_types|successors)\.csv",
        rf"wres/(\d{{4}})/({orgs})_wres_\1\.xlsx",
        r"staff_survey/\d{4}/(responses\.csv|responses\.csv\.gz|responses\.parquet|column_map\.csv)",
        r"concerns/\d{4}/(cases|practitioner_population)\.csv",
    ]
    paths = digests(tiny)
    assert [p for p in paths if not any(re.fullmatch(pattern, p) for pattern in patterns)] == []
    assert {int(p.split("/")[1]) for p in paths if p.startswith("wres/")} == set(YEARS)
    assert {int(p.split("/")[1]) for p in paths if p.startswith("concerns/")} == set(YEARS)
    for year in SURVEY_YEARS:
        assert len(list((tiny / "staff_survey" / str(year)).glob("responses.*"))) == 1


def test_reference_files(tiny, etr):
    first_line = (tiny / "reference" / "etr.csv").read_text().splitlines()[0]
    assert re.match(r'^"R[0-9A-Z]{2}",', first_line), "etr.csv has no header row"
    assert etr.shape == (TINY["trusts"], 27)
    assert etr[0].str.fullmatch(r"R[0-9A-Z]{2}").all() and etr[0].is_unique
    assert etr[3].str.fullmatch(r"Q[0-9A-Z]{2}").all()
    assert etr[10].str.fullmatch(r"\d{8}").all()
    regions = pd.read_csv(tiny / "reference" / "regions.csv")
    assert dict(zip(regions["region_code"], regions["region_name"], strict=True)) == {**REGIONS, **RETIRED_REGIONS}
    assert set(etr[2]) == set(REGIONS), "every region has a trust"
    types = pd.read_csv(tiny / "reference" / "trust_types.csv")
    assert list(types.columns) == ["org_code", "trust_type"]
    assert set(types["trust_type"]) == set(TRUST_TYPES) and set(types["org_code"]) == set(etr[0])


def test_etr_has_the_extra_rows_ods_publishes(tiny):
    # Contract 1.1: a published etr.csv also holds trusts outside England (W00), a trust under
    # a retired region code, closed trusts, a new trust with no national grouping or open
    # date, and names with commas and apostrophes. None of them is ever expected.
    text = (tiny / "reference" / "etr.csv").read_text()
    extra = pd.read_csv(tiny / "reference" / "etr.csv", header=None, dtype=str, keep_default_na=False)
    extra = extra[extra[0].isin(EXTRA_ODS_ROWS["org_code"])]
    assert len(extra) == len(EXTRA_ODS_ROWS) and extra.shape[1] == 27
    assert (extra[2] == "W00").sum() == 3 and set(extra[2]) == {"W00", "Y57", ""}
    assert (extra[11] != "").sum() == 2 and (extra[10] == "").sum() == 1
    assert '"Bro Tawe, Nedd and Afan NHS Trust"' in text and "St Elli's" in text
    regions = pd.read_csv(tiny / "reference" / "regions.csv", dtype=str)
    assert set(RETIRED_REGIONS) <= set(regions["region_code"])
    # Closed before any reporting year, or never attributable: no return is written for them.
    assert not {path.name[:3] for path in tiny.glob("wres/*/*.xlsx")} & set(EXTRA_ODS_ROWS["org_code"])


def test_one_merger_closes_a_trust_and_moves_its_staff(tiny, etr, workbooks):
    successors = pd.read_csv(tiny / "reference" / "successors.csv", dtype=str)
    assert successors.shape == (1, 3)
    old, new, effective = successors.iloc[0]
    closed = etr.loc[etr[0] == old].iloc[0]
    final_year = int(closed[11][:4])
    assert closed[11] == f"{final_year}0331" and effective == f"{final_year}-04-01"
    assert (etr[11] != "").sum() == 1 and new in set(etr[0]) and new != old
    assert {y for org, y in workbooks if org == old} == set(range(TINY["first_year"], final_year + 1))
    assert {y for org, y in workbooks if org == new} == set(YEARS)

    def headcount(year):
        return workbooks[new, year]["workforce"]["headcount"].sum()

    assert headcount(final_year + 1) > 1.3 * headcount(final_year)
    survey = read_survey(tiny / "staff_survey" / str(final_year))  # feeds reporting year final_year + 1
    assert old not in set(survey["org_code"])


def test_workbooks_follow_the_contract(workbooks):
    bands = {"Clinical": set(AFC_BANDS), "Non-clinical": set(AFC_BANDS), "Medical and dental": set(MEDICAL_BANDS)}
    for (org, year), sheets in workbooks.items():
        assert {name: list(frame.columns) for name, frame in sheets.items()} == SHEETS
        submission = sheets["submission"].iloc[0]
        assert (submission["org_code"], submission["reporting_year"]) == (org, year)
        workforce = sheets["workforce"].assign(ethnic_category=lambda f: f["ethnic_category"].map(text))
        assert all(
            band in bands[group] for group, band in zip(workforce["staff_group"], workforce["band"], strict=True)
        )
        assert not workforce.duplicated(["staff_group", "band", "ethnic_category"]).any()
        staff = workforce.groupby("ethnic_category")["headcount"].sum()
        for name, column in (
            ("disciplinary", "entered_formal_disciplinary"),
            ("training", "accessed_non_mandatory_training"),
        ):
            counts = sheets[name].set_index(sheets[name]["ethnic_category"].map(text))[column]
            assert (counts <= staff.reindex(counts.index, fill_value=0)).all()
        recruitment = sheets["recruitment"]
        assert (recruitment["appointed"] <= recruitment["shortlisted"]).all()
        board = sheets["board"]
        assert set(board["executive"]) <= {"Y", "N"} and set(board["voting"]) <= {"Y", "N"}
        for frame in sheets.values():
            if "ethnic_category" in frame:
                assert set(frame["ethnic_category"].map(text)) <= set(ETHNIC_CATEGORIES)


def test_some_returns_are_late_and_two_are_missing(etr, workbooks):
    late = [
        (org, year)
        for (org, year), sheets in workbooks.items()
        if pd.Timestamp(sheets["submission"]["submission_date"].iloc[0]) > pd.Timestamp(year, 8, 31)
    ]
    assert late
    close_year = {org: int(close[:4]) if close else 9999 for org, close in zip(etr[0], etr[11], strict=True)}
    expected = {(org, year) for org in etr[0] for year in YEARS if year <= close_year[org]}
    assert len(expected - set(workbooks)) == 2 and set(workbooks) <= expected


def test_staff_survey_formats_vary_by_year(tiny):
    folder = tiny / "staff_survey"
    assert {year: survey_format(year) for year in SURVEY_YEARS} == {
        2019: "csv_bom_crlf", 2020: "renamed", 2021: "csv", 2022: "csv_gzip", 2023: "parquet", 2024: "csv"
    }  # fmt: skip
    assert (folder / "2019" / "responses.csv").read_bytes().startswith(b"\xef\xbb\xbfsurvey_year,")
    assert b"\r\n" in (folder / "2019" / "responses.csv").read_bytes()
    assert b"Q14a" in (folder / "2020" / "responses.csv").read_bytes().splitlines()[0]
    assert (folder / "2022" / "responses.csv.gz").exists() and (folder / "2023" / "responses.parquet").exists()


def test_staff_survey_responses_parse(tiny, etr):
    allowed = {
        "q_hba_public": {"1", "2", "3", "4", "5"},
        "q_hba_manager": {"1", "2", "3", "4", "5"},
        "q_hba_colleagues": {"1", "2", "3", "4", "5"},
        "q_equal_opps": {"1", "2", "3"},
        "q_discrim_mgr_colleague": {"1", "2"},
    }
    for year in SURVEY_YEARS:
        survey = read_survey(tiny / "staff_survey" / str(year))
        assert list(survey.columns) == ["survey_year", "org_code", "respondent_id", "ethnic_category", *ITEMS]
        assert (survey["survey_year"] == str(year)).all()
        assert survey["respondent_id"].is_unique
        assert set(survey["org_code"]) <= set(etr[0])
        assert set(survey["ethnic_category"]) <= set(ETHNIC_CATEGORIES)
        for item, values in allowed.items():
            assert set(survey[item].dropna()) <= values
            assert survey[item].isna().any(), f"{item} has no non-response in {year}"


def test_concerns_extracts(tiny):
    seen_ids: set[str] = set()
    for year in YEARS:
        cases = pd.read_csv(tiny / "concerns" / str(year) / "cases.csv", dtype=str, keep_default_na=False)
        assert len(cases) > 0 and cases["case_ref"].is_unique
        assert cases["practitioner_id"].str.fullmatch(r"\d{7}").all()
        assert seen_ids.isdisjoint(cases["practitioner_id"])
        seen_ids |= set(cases["practitioner_id"])
        dates = cases.filter(like="_date").replace("", None).apply(pd.to_datetime)
        for column in dates:
            assert dates[column].dropna().between(pd.Timestamp(year - 1, 4, 1), pd.Timestamp(year, 3, 31)).all()
        assert dates["case_opened_date"].notna().all()
        assert not (dates["case_closed_date"] < dates["case_opened_date"]).any()
        excluded = cases["excluded"] == "Y"
        assert set(cases["excluded"]) <= {"Y", "N"} and dates.loc[excluded, "exclusion_start_date"].notna().all()
        assert dates.loc[~excluded, ["exclusion_start_date", "exclusion_end_date"]].isna().all().all()
        referred = cases["assessment_referred"] == "Y"
        assert (cases.loc[~referred, "assessment_outcome"] == "").all()
        assert set(cases.loc[referred, "assessment_outcome"]) <= {"Expected level", "Below expected level", "Pending"}
        assert set(cases["region_code"]) <= set(REGIONS)
        population = pd.read_csv(tiny / "concerns" / str(year) / "practitioner_population.csv", dtype=str)
        assert list(population.columns) == [
            "reporting_year", "profession", "region_code", "ethnic_category",
            "place_of_first_qualification", "practitioners",
        ]  # fmt: skip
        assert (population["reporting_year"] == str(year)).all()
        assert set(population["profession"]) == {"Doctor", "Dentist", "Pharmacist"}


def test_refuses_a_landing_folder_that_is_not_empty(tmp_path, capsys):
    landing = tmp_path / "landing"
    landing.mkdir()
    (landing / "someone_elses.csv").write_text("keep me\n")
    with pytest.raises(LandingNotEmptyError):
        generate_nation(landing, **TINY)
    assert cli(["--landing", str(landing), "--trusts", "8", "--scale", "0.02"]) == 2
    assert "not an empty folder" in capsys.readouterr().err
    assert [p.name for p in landing.iterdir()] == ["someone_elses.csv"]
    assert (landing / "someone_elses.csv").read_text() == "keep me\n"


def test_sample_nation_has_every_region_and_trust_type():
    trusts = build_nation(**SAMPLE_NATION).trusts
    assert 25 <= len(trusts) <= 32 and (SAMPLE_NATION["first_year"], SAMPLE_NATION["last_year"]) == (2019, 2025)
    assert trusts["region_code"].value_counts().reindex(list(REGIONS)).min() >= 3
    assert set(trusts["trust_type"]) == set(TRUST_TYPES)


def test_built_in_inequity_shows(tmp_path):
    """On a moderately sized nation, England's figures show the inequities built in."""
    landing = tmp_path / "landing"
    generate_nation(landing, scale=0.5, trusts=40, first_year=2022, last_year=2022, seed=5)
    sheets = [pd.read_excel(p, sheet_name=None, engine="calamine") for p in sorted(landing.glob("wres/2022/*.xlsx"))]

    def by_group(name: str, columns: list[str]) -> pd.DataFrame:
        frame = pd.concat([s[name] for s in sheets])
        category = frame["ethnic_category"].map(text)
        group = np.where(category.isin(WHITE), "White", np.where(category.isin(UNKNOWN), "Unknown", "BME"))
        return frame.groupby(group)[columns].sum()

    recruitment = by_group("recruitment", ["appointed", "shortlisted"])
    appointed = recruitment["appointed"] / recruitment["shortlisted"]
    assert 1.3 < appointed["White"] / appointed["BME"] < 1.7

    staff = by_group("workforce", ["headcount"])["headcount"]
    disciplinary = by_group("disciplinary", ["entered_formal_disciplinary"])["entered_formal_disciplinary"] / staff
    training = by_group("training", ["accessed_non_mandatory_training"])["accessed_non_mandatory_training"] / staff
    assert disciplinary["BME"] / disciplinary["White"] > 1.1
    assert training["White"] / training["BME"] > 1.0

    board = pd.concat([s["board"] for s in sheets])
    voting = board[board["voting"] == "Y"]
    voting_bme = voting.loc[~voting["ethnic_category"].map(text).isin(WHITE | UNKNOWN), "members"].sum()
    assert voting_bme / voting["members"].sum() < staff["BME"] / staff.sum()

    survey = read_survey(landing / "staff_survey" / "2021")
    bme = ~survey["ethnic_category"].isin(WHITE | UNKNOWN)
    white = survey["ethnic_category"].isin(WHITE)
    answered = survey["q_discrim_mgr_colleague"].notna()
    discriminated = survey["q_discrim_mgr_colleague"] == "1"
    assert discriminated[bme & answered].mean() > 1.5 * discriminated[white & answered].mean()
