"""`reports/profiles/index.html`: find a trust by code or name as you type; every trust by
region and type; every region.

The search is plain JavaScript over a list written into the page itself: a page opened
from disk cannot fetch a sibling file in Chromium. Without JavaScript the lists below still
link to every profile.
"""

from __future__ import annotations

import json

from exports.reports import page
from exports.reports.page import Cell, Column
from exports.reports.profiles.profile_data import ProfileData

SEARCH_SCRIPT = """
(function () {
  var trusts = JSON.parse(document.getElementById('trust-list').textContent);
  var input = document.getElementById('trust-search'), results = document.getElementById('results');
  var status = document.getElementById('find-status');
  input.addEventListener('input', function () {
    var query = input.value.trim().toLowerCase();
    results.innerHTML = '';
    if (!query) { status.textContent = ''; return; }
    var found = trusts.filter(function (t) {
      return t.code.toLowerCase().indexOf(query) === 0 || t.name.toLowerCase().indexOf(query) !== -1;
    });
    found.slice(0, 25).forEach(function (t) {
      var item = document.createElement('li'), link = document.createElement('a');
      link.href = t.href;
      link.textContent = t.name + ' (' + t.code + ')';
      item.appendChild(link);
      item.appendChild(document.createTextNode(', ' + t.region + ', ' + t.type));
      results.appendChild(item);
    });
    status.textContent = found.length === 0 ? 'No trust matches.' :
      (found.length + (found.length === 1 ? ' trust matches' : ' trusts match') +
       (found.length > 25 ? '; the first 25 are listed.' : '.'));
  });
})();
"""


def trust_href(code: str) -> str:
    return f"trusts/{code}.html"


def region_href(code: str) -> str:
    return f"regions/{code}.html"


def index_sections(data: ProfileData, trusts: list[str]) -> list[page.Section]:
    listing = [
        {"code": code, "name": data.name(code), "region": data.region_name(data.region_of(code)),
         "type": data.trust_type(code) or "type not known", "href": trust_href(code)}
        for code in trusts
    ]
    # Inside a <script>, "</" must not appear: escape the slash (valid JSON still).
    inline = json.dumps(listing, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")
    find = page.Section("find", "Find a trust")
    find.add(
        '<p><label for="trust-search">Trust name or code</label><br>'
        '<input id="trust-search" type="search" autocomplete="off" size="40" aria-describedby="find-status" '
        'aria-controls="results"></p>'
        '<p id="find-status" role="status" aria-live="polite"></p><ul id="results"></ul>'
        "<noscript><p>Searching needs JavaScript; every trust is listed below.</p></noscript>"
        f'<script type="application/json" id="trust-list">{inline}</script>'
    )
    regions = page.Section("regions", "Regions")
    regions.add(_links([(region_href(code), data.region_name(code)) for code in data.regions]))
    by_region = page.Section("by-region", "Trusts by region and type")
    for region in data.regions:
        members = [code for code in trusts if data.region_of(code) == region]
        members.sort(key=lambda code: (data.trust_type(code) or "~", data.name(code)))
        by_region.add(
            f"<h3>{page.escape(data.region_name(region))}</h3>",
            page.table(
                f"Trusts in {data.region_name(region)}, by type",
                [Column("Trust"), Column("Code"), Column("Type")],
                [[Cell(data.name(code), markup=page.link(trust_href(code), data.name(code))), code,
                  data.trust_type(code) or "not known"] for code in members],
                empty="no trust expected this year.",
            ),
        )
    elsewhere = [code for code in trusts if data.region_of(code) not in data.regions]
    if elsewhere:
        by_region.add("<h3>Region not known</h3>", _links([(trust_href(code), data.name(code)) for code in elsewhere]))
    return [find, regions, by_region]


def _links(targets: list[tuple[str, str]]) -> str:
    if not targets:
        return page.paragraph("None in this release.")
    return "<ul>" + "".join(f"<li>{page.link(href, text)}</li>" for href, text in targets) + "</ul>"
