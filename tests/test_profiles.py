"""Trust and region profiles (exports/reports/profiles/) on the small release of
tests/test_reports.py: 4 trusts (RD4 of unknown type), 2 regions, 3 years, and RZ9, a trust
closed before the reporting year whose successor is RA1.

The browser tests are in tests/test_profiles_browser.py; the checks on a real run (headline
figures equal to equity_metrics, nothing suppressed shown, the size at scale) in
tests/test_pipeline_end_to_end.py.
"""

from __future__ import annotations

import math
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from exports.reports import PROFILES_FOLDER, REPORTS_FOLDER, write_reports
from exports.reports.formatting import Measure, number
from exports.reports.headlines import HEADLINES, TRUST_HEADLINES
from exports.reports.profiles import INDEX_FILE
from exports.reports.profiles.profile_data import ProfileData
from exports.reports.release_data import ReleaseData
from test_reports import TRUSTS, YEAR, assert_self_contained, build_release, context


@pytest.fixture(scope="module")
def profiles(tmp_path_factory) -> Path:
    release = build_release(tmp_path_factory.mktemp("profiles") / f"{YEAR}-20250901T000000Z")
    write_reports(release, context())
    return release / REPORTS_FOLDER / PROFILES_FOLDER


def read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


class Outline(HTMLParser):
    """Heading levels in order, ids, and the text of the page (scripts and styles left out)."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.levels: list[int] = []
        self.ids: list[str] = []
        self.text: list[str] = []
        self._skip = 0
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        if re.fullmatch(r"h[1-6]", tag):
            self.levels.append(int(tag[1]))
        if tag in ("script", "style"):
            self._skip += 1
        self.ids += [value for name, value in attrs if name == "id"]

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.text.append(data)


def cell_after(html: str, row_header: str) -> str:
    """The first data cell of the table row whose header is `row_header` (escaped text)."""
    match = re.search(rf'<th scope="row"[^>]*>{re.escape(row_header)}</th><td[^>]*>(.*?)</td>', html)
    assert match, f"no row {row_header!r}"
    return match.group(1)


def test_a_page_per_expected_trust_and_region_and_an_index(profiles) -> None:
    assert sorted(path.stem for path in (profiles / "trusts").glob("*.html")) == sorted(TRUSTS)
    assert sorted(path.stem for path in (profiles / "regions").glob("*.html")) == ["Y56", "Y58"]
    assert (profiles / INDEX_FILE).is_file()
    # RZ9 closed before the reporting year: no page of its own, but in its successor's lineage.
    assert not (profiles / "trusts" / "RZ9.html").exists()
    lineage = read(profiles / "trusts" / "RA1.html")
    assert 'id="lineage"' in lineage and "RZ9" in lineage and "Zelkova Hospitals NHS Trust" in lineage
    assert 'id="lineage"' not in read(profiles / "trusts" / "RB2.html")


def test_every_page_is_self_contained_accessible_and_on_the_shared_template(profiles) -> None:
    for path in sorted(profiles.rglob("*.html")):
        html = read(path)
        page = assert_self_contained(html)
        assert '<html lang="en-GB">' in html and html.count("<h1>") == 1, path.name
        outline = Outline(html)
        # Headings in order: never skip a level on the way down.
        assert all(b <= a + 1 for a, b in zip(outline.levels, outline.levels[1:])), (path.name, outline.levels)
        assert len(outline.ids) == len(set(outline.ids)), f"{path.name}: duplicate ids"
        # Every chart is an image with a text alternative that gives its figures.
        assert all(len(label) > 40 for label in page.aria_labels), path.name
        # Links stay inside the release and point at files that exist.
        for _, _, href in page.urls:
            target = href.split("#")[0]
            if target:
                assert (path.parent / target).resolve().is_file(), (path.name, href)


def test_trust_profiles_never_show_concerns_and_regions_do(profiles) -> None:
    for path in (profiles / "trusts").glob("*.html"):
        assert "concerns" not in read(path).lower(), path.name
    region = read(profiles / "regions" / "Y56.html")
    assert "Concerns: a case being opened (BME vs White)" in region


def test_headline_table_shows_the_published_figure_and_its_rank(profiles) -> None:
    html = read(profiles / "trusts" / "RA1.html")
    data = ProfileData(ReleaseData(profiles.parents[1], context()))
    headline = HEADLINES[0]  # WRES 2, White vs BME
    value = data.figure("RA1", headline)["value"]
    assert cell_after(html, headline.label) == number(value, Measure.RELATIVE_LIKELIHOOD, unit=True)
    # Rank by equity distance |ln RL| among the four trusts; 1 is nearest equity.
    distances = sorted(abs(math.log(v)) for v in data.trust_values(headline).values())
    rank = distances.index(abs(math.log(value))) + 1
    assert f"{rank} of 4" in html


def test_ranks_share_a_place_when_distances_are_equal() -> None:
    class Equal(ProfileData):
        def __init__(self, values):  # only what rank() reads
            self._values = values

        def trust_values(self, headline, **_):
            return self._values

    # RLs 2 and 0.5 are equally far from equity (|ln| the same); 1 is at equity.
    data = Equal({"A": 2.0, "B": 0.5, "C": 1.0, "D": 3.0})
    headline = HEADLINES[0]
    assert [data.rank(code, headline) for code in "ABCD"] == [(2, 4), (2, 4), (1, 4), (4, 4)]
    # For WRES 7 (higher is better) the highest percentage is nearest equity.
    survey = next(h for h in HEADLINES if h.metric_id == "wres7_pct_equal_opps")
    data = Equal({"A": 40.0, "B": 60.0, "C": 60.0})
    assert [data.rank(code, survey) for code in "ABC"] == [(3, 3), (1, 3), (1, 3)]


def test_same_type_shows_median_and_range_of_published_values_and_is_left_out_when_unknown(profiles) -> None:
    data = ProfileData(ReleaseData(profiles.parents[1], context()))
    headline = HEADLINES[0]
    acute = sorted(v for code, v in data.trust_values(headline).items() if code in ("RA1", "RC3"))
    html = read(profiles / "trusts" / "RA1.html")
    peers = html[html.index('id="peers"'):html.index('id="trends"')]
    median = number(sum(acute) / 2, Measure.RELATIVE_LIKELIHOOD)
    assert re.search(rf"<td[^>]*>{median}</td><td[^>]*>{number(acute[0], Measure.RELATIVE_LIKELIHOOD)} to "
                     rf"{number(acute[1], Measure.RELATIVE_LIKELIHOOD)}</td><td[^>]*>2</td>", peers), peers
    unknown = read(profiles / "trusts" / "RD4.html")
    peers = unknown[unknown.index('id="peers"'):unknown.index('id="trends"')]
    assert "type is not known" in peers and "<table" not in peers


def test_trust_profile_has_every_part_the_issue_asks_for(profiles) -> None:
    html = read(profiles / "trusts" / "RB2.html")
    for anchor in ("glance", "metrics", "peers", "trends", "groups", "submission", "suppressed"):
        assert f'id="{anchor}"' in html, anchor
    assert 'class="chart spine"' in html
    assert html.count('class="chart trend"') == len(TRUST_HEADLINES)
    assert "quarantined" in html  # RB2's return in the reporting year
    unknown_share = number(TRUSTS["RB2"][3], Measure.PERCENTAGE, unit=True)
    assert cell_after(html, "Share of headcount") == unknown_share
    # Colour is never alone: each benchmark cell has its glyph and words.
    assert re.search(r'class="bm-\w+"><span aria-hidden="true">[◆●■○]</span> ', html)


def test_region_heat_table_is_sortable_with_a_row_per_trust(profiles) -> None:
    html = read(profiles / "regions" / "Y58.html")
    table = html[html.index('id="heat-table"'):]
    table = table[:table.index("</table>")]
    assert 'class="sortable"' in html[html.index("<table", html.index('id="trusts"')) - 1:][:80]
    assert table.count('<button type="button">') == 2 + len(TRUST_HEADLINES)
    assert table.count("<tr>") == 1 + 2  # heading and RC3, RD4
    assert "../trusts/RC3.html" in table and "../trusts/RD4.html" in table
    assert "document.querySelectorAll('table.sortable')" in html


def test_index_lists_every_trust_by_region_with_search_data_inline(profiles) -> None:
    html = read(profiles / INDEX_FILE)
    for code, (name, _, _, _) in TRUSTS.items():
        assert f'href="trusts/{code}.html"' in html
        assert f'"code":"{code}","name":"{name}"' in html  # the search's inline list
    assert 'id="trust-search"' in html and "<label for=\"trust-search\">" in html
    assert html.index("London") < html.index("South West")
