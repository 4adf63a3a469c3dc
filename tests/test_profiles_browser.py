"""The profiles in a real browser (headless Chromium), as a reader uses them.

A harness page beside the reports opens the index in a frame and acts as a person would:
it types a trust's name into the search box one letter at a time, follows the first link
found, goes from the trust's profile to its region's, and sorts the region's heat table by a
column twice (ascending, then descending). The results come back in the harness's DOM.
The harness needs `--allow-file-access-from-files` to reach into a frame opened from disk;
the pages themselves need nothing of the kind. Screenshots of a trust and a region profile
go to data/test-artefacts/ for a person to look at.
"""

from __future__ import annotations

import json
import re

import pytest

from exports.reports import PROFILES_FOLDER, REPORTS_FOLDER, write_reports
from test_reports import TRUSTS, YEAR, build_release, context
from test_reports_browser import ARTEFACTS, CHROMIUM, page_requests, png_size, run_chromium, script_errors

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="headless Chromium is not installed at /usr/bin/chromium")

NAME = TRUSTS["RC3"][0]  # in region Y58 with RD4
HARNESS = """<!DOCTYPE html><html><body><iframe id="frame" src="profiles/index.html" width="1200" height="900"></iframe>
<pre id="result"></pre><script>
var frame = document.getElementById('frame'), result = {};
function doc() { return frame.contentDocument; }
function rows() {
  return Array.prototype.map.call(doc().querySelectorAll('#heat-table tbody tr'), function (row) {
    return row.cells[0].textContent.trim() + '=' + (row.cells[COLUMN].getAttribute('data-sort') || '');
  });
}
var steps = [
  function () {  // type the name, a letter at a time
    var input = doc().getElementById('trust-search');
    input.focus();
    NAME.split('').forEach(function (letter) {
      input.value += letter;
      input.dispatchEvent(new Event('input', {bubbles: true}));
    });
    result.status = doc().getElementById('find-status').textContent;
    var links = doc().querySelectorAll('#results a');
    result.found = Array.prototype.map.call(links, function (a) { return a.textContent; });
    links[0].click();
  },
  function () {  // the trust's profile; on to its region
    result.trust_h1 = doc().querySelector('h1').textContent;
    doc().querySelector('footer a[href*="regions/"]').click();
  },
  function () {  // sort the heat table by a metric, then the other way
    result.region_h1 = doc().querySelector('h1').textContent;
    result.before = rows();
    var button = doc().querySelectorAll('#heat-table thead th')[COLUMN].querySelector('button');
    button.click();
    result.ascending = rows();
    result.sort_1 = button.parentNode.getAttribute('aria-sort');
    button.click();
    result.descending = rows();
    result.sort_2 = button.parentNode.getAttribute('aria-sort');
  },
];
var step = 0;
frame.addEventListener('load', function () {
  try { steps[step++](); } catch (error) { result.error = String(error); }
  document.getElementById('result').textContent = JSON.stringify(result);
});
</script></body></html>"""


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    release = build_release(tmp_path_factory.mktemp("profiles-browser") / f"{YEAR}-20250901T000000Z")
    write_reports(release, context())
    return release / REPORTS_FOLDER


def test_find_a_trust_follow_it_to_its_region_and_sort_the_heat_table(reports, tmp_path) -> None:
    column = 2  # WRES 2 appointment: after Trust and Type
    harness = reports / "harness.html"
    harness.write_text(HARNESS.replace("NAME", json.dumps(NAME)).replace("COLUMN", str(column)), encoding="utf-8")
    dom, log = run_chromium(harness, tmp_path, block_network=True, extra=("--allow-file-access-from-files",))
    result = json.loads(re.search(r'<pre id="result">(.*?)</pre>', dom, re.S).group(1).replace("&quot;", '"')
                        .replace("&amp;", "&"))
    assert "error" not in result, result
    assert result["found"] == [f"{NAME} (RC3)"] and result["status"] == "1 trust matches."
    assert result["trust_h1"].startswith(f"{NAME} (RC3)")
    assert result["region_h1"].startswith("South West")
    values = lambda rows: [float(row.split("=")[1]) for row in rows]  # noqa: E731
    assert result["sort_1"] == "ascending" and values(result["ascending"]) == sorted(values(result["before"]))
    assert result["sort_2"] == "descending" and values(result["descending"]) == sorted(values(result["before"]), reverse=True)
    assert not script_errors(log), script_errors(log)


@pytest.mark.parametrize("page", [f"{PROFILES_FOLDER}/trusts/RA1.html", f"{PROFILES_FOLDER}/regions/Y56.html",
                                  f"{PROFILES_FOLDER}/index.html"])
def test_profile_pages_render_offline_with_no_network_request(reports, page, tmp_path) -> None:
    path = reports / page
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    screenshot = ARTEFACTS / f"profile_{path.parent.name}_{path.stem}.png"
    screenshot.unlink(missing_ok=True)
    net_log = tmp_path / "netlog.json"
    dom, log = run_chromium(path, tmp_path, block_network=True, screenshot=screenshot, net_log=net_log)
    assert page_requests(net_log) == []
    assert not script_errors(log), script_errors(log)
    assert "<h1>" in dom and ("<svg" in dom) == ("trusts" in page)  # charts on the trust pages
    assert png_size(screenshot)[0] > 0 and screenshot.stat().st_size > 20_000
