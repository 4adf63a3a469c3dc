"""The HTML of a report page: one self-contained file, readable offline and accessible.

Everything a page needs is inside it: the styles are inline, there are no fonts, images or
scripts from elsewhere, and every link is relative (to another file of the release) or an
anchor. Structure for assistive technology: one `<h1>`, a contents list, `<section>`s with
`<h2>`/`<h3>` headings, tables with `<caption>` and `<th scope>`, and each chart's data in
a `<details>` disclosure beside it.

The output is deterministic: the same inputs give the same bytes (no times, no random ids).
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

# System fonts only: nothing is downloaded.
_STYLE = """
:root { --ink: #1d1d1b; --muted: #505a5f; --rule: #b1b4b6; --panel: #f3f2f1; --link: #005eb8; }
* { box-sizing: border-box; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; color: var(--ink);
       margin: 0; line-height: 1.5; font-size: 16px; background: #fff; }
header, main, footer { max-width: 1280px; margin: 0 auto; padding: 0 24px; }
header { border-bottom: 4px solid var(--link); padding-top: 16px; padding-bottom: 8px; }
h1 { font-size: 2rem; margin: 0.2em 0; }
h2 { font-size: 1.5rem; margin-top: 2em; border-bottom: 1px solid var(--rule); padding-bottom: 4px; }
h3 { font-size: 1.2rem; margin-top: 1.6em; }
a { color: var(--link); }
a:focus, summary:focus { outline: 3px solid #ffb81c; outline-offset: 2px; }
.lede { font-size: 1.1rem; color: var(--muted); max-width: 70em; }
.facts { display: flex; flex-wrap: wrap; gap: 8px 32px; padding: 0; list-style: none; margin: 8px 0; }
.facts li { color: var(--muted); }
.facts strong { color: var(--ink); }
nav ol { columns: 2; max-width: 60em; }
p, li { max-width: 75em; }
.note { background: var(--panel); border-left: 4px solid var(--rule); padding: 8px 16px; max-width: 75em; }
.candidate-banner { background: #d5281b; color: #fff; font-weight: 700; padding: 12px 24px; margin: 0;
                    font-size: 1.1rem; }
.unavailable { background: #fff7e6; border-left: 4px solid #ffb81c; padding: 8px 16px; max-width: 75em; }
figure { margin: 16px 0 8px 0; }
figcaption { font-weight: 600; margin-bottom: 4px; }
.chart { border: 1px solid var(--rule); }
table { border-collapse: collapse; margin: 8px 0 16px 0; font-size: 0.92rem; }
caption { text-align: left; font-weight: 600; padding: 4px 0; caption-side: top; }
th, td { border: 1px solid var(--rule); padding: 4px 8px; vertical-align: top; text-align: left; }
th { background: var(--panel); }
tbody th { min-width: 11em; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.num { white-space: nowrap; }
.table-wrap { overflow-x: auto; max-width: 100%; }
table.sortable th button { font: inherit; font-weight: 600; background: none; border: 0; padding: 0;
       color: var(--link); cursor: pointer; text-align: inherit; }
table.sortable th button:focus { outline: 3px solid #ffb81c; outline-offset: 2px; }
th[aria-sort=ascending] button::after { content: " ▲"; }
th[aria-sort=descending] button::after { content: " ▼"; }
.sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
details { margin: 4px 0 24px 0; }
summary { cursor: pointer; color: var(--link); font-weight: 600; }
footer { border-top: 1px solid var(--rule); margin-top: 48px; padding-top: 8px; padding-bottom: 32px;
         color: var(--muted); font-size: 0.9rem; }
@media print { details { display: block; } .chart { break-inside: avoid; } }
"""


_NUMERIC = ' class="num"'
# Every page of a release candidate opens with this (document(candidate=True)).
CANDIDATE_BANNER = (
    "Release candidate, not published: these figures await sign-off and may change or be withdrawn. "
    "Do not quote or share them."
)
_BANNER_HTML = f'<p class="candidate-banner" role="alert">{html.escape(CANDIDATE_BANNER, quote=True)}</p>\n'
_CANDIDATE_TITLE_SUFFIX = " (candidate, not published)"  # nothing in it for html.escape to change


def escape(value) -> str:
    return html.escape("" if value is None else str(value), quote=True)


@dataclass(frozen=True)
class Column:
    """A table column: its heading and whether it holds numbers (right-aligned)."""

    heading: str
    numeric: bool = False


@dataclass(frozen=True)
class Cell:
    """A cell with more than text: a CSS class (e.g. a benchmark's tint), the value a sortable
    table sorts it by, and markup already escaped (e.g. a glyph with words for screen readers)."""

    text: str
    css: str = ""
    sort: str | float | None = None
    markup: str | None = None  # shown instead of `text` when given; must be escaped HTML

    def html(self) -> str:
        return self.markup if self.markup is not None else escape(self.text)


# Sorts a table whose column headings are buttons (`table(..., sortable=True)`): by each
# cell's data-sort (numbers numerically, empty cells last), toggling ascending and
# descending, with aria-sort on the heading so assistive technology hears the order.
SORT_SCRIPT = """
document.querySelectorAll('table.sortable').forEach(function (table) {
  var heads = table.querySelectorAll('thead th');
  heads.forEach(function (th, column) {
    var button = th.querySelector('button');
    if (!button) return;
    button.addEventListener('click', function () {
      var ascending = th.getAttribute('aria-sort') !== 'ascending';
      heads.forEach(function (other) { other.removeAttribute('aria-sort'); });
      th.setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
      var body = table.tBodies[0];
      var rows = Array.prototype.slice.call(body.rows);
      function key(row) {
        var cell = row.cells[column];
        var raw = cell.hasAttribute('data-sort') ? cell.getAttribute('data-sort') : cell.textContent.trim();
        var number = parseFloat(raw);
        return raw === '' ? null : (isNaN(number) || !/^-?[0-9.e+-]+$/i.test(raw) ? raw.toLowerCase() : number);
      }
      rows.sort(function (a, b) {
        var x = key(a), y = key(b);
        if (x === null || y === null) return x === y ? 0 : (x === null ? 1 : -1);
        var order = x < y ? -1 : (x > y ? 1 : 0);
        return ascending ? order : -order;
      });
      rows.forEach(function (row) { body.appendChild(row); });
    });
  });
});
"""


def table(
    caption: str, columns: Sequence[Column | str], rows: Iterable[Sequence], *, empty: str = "None.",
    sortable: bool = False, table_id: str | None = None,
) -> str:
    """An HTML table with a caption; cells are text already formatted for display, or `Cell`s.

    `sortable`: each column heading is a button that sorts the rows (SORT_SCRIPT, which the
    page must carry), usable from the keyboard like any button.
    """
    columns = [column if isinstance(column, Column) else Column(column) for column in columns]
    # Per column, what a plain (text) cell's tags are: the first is the row's heading.
    opening = [('<th scope="row"' if index == 0 else "<td") + (_NUMERIC if column.numeric else "") + ">"
               for index, column in enumerate(columns)]
    closing = ["</th>" if index == 0 else "</td>" for index in range(len(columns))]
    body = []
    for row in rows:
        cells = []
        for index, (column, cell) in enumerate(zip(columns, row, strict=True)):
            if not isinstance(cell, Cell):
                cells.append(f"{opening[index]}{escape(cell)}{closing[index]}")
                continue
            classes = " ".join(part for part in ("num" if column.numeric else "", cell.css) if part)
            attributes = f' class="{classes}"' if classes else ""
            if cell.sort is not None:
                attributes += f' data-sort="{escape(cell.sort)}"'
            tag = "th" if index == 0 else "td"
            scope = ' scope="row"' if index == 0 else ""
            cells.append(f"<{tag}{scope}{attributes}>{cell.html()}</{tag}>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    if not body:
        return f'<p><em>{escape(caption)}:</em> {escape(empty)}</p>'
    head = "".join(
        f'<th scope="col"{_NUMERIC if column.numeric else ""}>'
        + (f'<button type="button">{escape(column.heading)}</button>' if sortable else escape(column.heading))
        + "</th>"
        for column in columns
    )
    attributes = (f' id="{escape(table_id)}"' if table_id else "") + (' class="sortable"' if sortable else "")
    return (
        f'<div class="table-wrap"><table{attributes}><caption>{escape(caption)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>"
    )


def details(summary: str, content: str) -> str:
    return f"<details><summary>{escape(summary)}</summary>{content}</details>"


def paragraph(text: str) -> str:
    return f"<p>{escape(text)}</p>"


def note(text: str) -> str:
    return f'<p class="note">{escape(text)}</p>'


def bullets(items: Iterable[str]) -> str:
    return "<ul>" + "".join(f"<li>{escape(item)}</li>" for item in items) + "</ul>"


def unavailable(what: str, reason: str) -> str:
    """The placeholder for a section whose data is not in this release."""
    return (
        f'<p class="unavailable"><strong>Not available in this release:</strong> {escape(what)} '
        f"({escape(reason)}). It will appear here in a release that publishes it.</p>"
    )


def link(href: str, text: str) -> str:
    return f'<a href="{escape(href)}">{escape(text)}</a>'


@dataclass
class Section:
    anchor: str
    title: str
    parts: list[str] = field(default_factory=list)

    def add(self, *parts: str) -> None:
        self.parts.extend(parts)

    def html(self) -> str:
        return (
            f'<section id="{escape(self.anchor)}" aria-labelledby="{escape(self.anchor)}-heading">'
            f'<h2 id="{escape(self.anchor)}-heading">{escape(self.title)}</h2>{"".join(self.parts)}</section>'
        )


def document(
    title: str,
    lede: str,
    facts: Sequence[tuple[str, str]],
    sections: Sequence[Section],
    footer: str,
    head_scripts: Sequence[str] = (),
    *,
    style: str = "",
    body_scripts: Sequence[str] = (),
    candidate: bool = False,
) -> str:
    """The whole page. `head_scripts` are inline script bodies (e.g. plotly.js), in order;
    `body_scripts` run after the page's content (e.g. SORT_SCRIPT); `style` adds rules to the
    shared style sheet.

    `candidate`: the page belongs to a release candidate waiting for sign-off, so it opens
    with the banner CANDIDATE_BANNER and its title says so; a final release's page has neither.
    """
    banner = _BANNER_HTML if candidate else ""
    if candidate:
        title = f"{title}{_CANDIDATE_TITLE_SUFFIX}"
    scripts = "".join(f'<script type="text/javascript">{script}</script>' for script in head_scripts)
    end_scripts = "".join(f'<script type="text/javascript">{script}</script>' for script in body_scripts)
    fact_items = "".join(f"<li>{escape(label)}: <strong>{escape(value)}</strong></li>" for label, value in facts)
    contents = "".join(f'<li><a href="#{escape(s.anchor)}">{escape(s.title)}</a></li>' for s in sections)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en-GB">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>{_STYLE}{style}</style>\n{scripts}\n</head>\n<body>\n{banner}"
        f'<header><h1>{escape(title)}</h1><p class="lede">{escape(lede)}</p>'
        f'<ul class="facts">{fact_items}</ul></header>\n'
        f'<main>\n<nav aria-label="Contents"><h2>Contents</h2><ol>{contents}</ol></nav>\n'
        + "\n".join(section.html() for section in sections)
        + f"\n</main>\n<footer>{footer}</footer>\n{end_scripts}</body>\n</html>\n"
    )


def published_page(candidate_page: str) -> str:
    """The page of the published release from its candidate's page: `document(candidate=False)`
    of the same arguments, byte for byte, made by taking out the banner and the title's suffix.

    Sign-off publishes exactly the pages the reviewer saw, without rendering them again.
    Raises ValueError for a page that `document(candidate=True)` did not make.
    """
    prefix, title, middle, heading, rest = _parts(candidate_page, _BANNER_HTML)
    suffix = _CANDIDATE_TITLE_SUFFIX
    if not (title.endswith(suffix) and heading.endswith(suffix)):
        raise ValueError("not a release candidate's page: its title does not say so")
    return _join(prefix, title[: -len(suffix)], middle, "", heading[: -len(suffix)], rest)


def candidate_page(published_page: str) -> str:
    """The candidate's page from a published page: `document(candidate=True)` of the same
    arguments, byte for byte (the inverse of published_page)."""
    prefix, title, middle, heading, rest = _parts(published_page, "")
    suffix = _CANDIDATE_TITLE_SUFFIX
    return _join(prefix, title + suffix, middle, _BANNER_HTML, heading + suffix, rest)


# How document() lays a page out: the title comes first in <head>; the banner, if any, then
# the heading, first in <body>.
def _parts(page: str, banner: str) -> tuple[str, str, str, str, str]:
    prefix, found_title, after = page.partition("<title>")
    title, found_title_end, after = after.partition("</title>")
    middle, found_body, after = after.partition(f"</head>\n<body>\n{banner}<header><h1>")
    heading, found_heading, rest = after.partition("</h1>")
    if not (found_title and found_title_end and found_body and found_heading):
        raise ValueError("not a page laid out by page.document()" + (" with the candidate banner" if banner else ""))
    return prefix, title, middle, heading, rest


def _join(prefix: str, title: str, middle: str, banner: str, heading: str, rest: str) -> str:
    return f"{prefix}<title>{title}</title>{middle}</head>\n<body>\n{banner}<header><h1>{heading}</h1>{rest}"
