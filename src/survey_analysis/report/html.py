"""HTML building blocks of the reports: fragments, tables for people, the page template.

Every page of a report set (the brief, the detailed reports, the index and any
page added later) goes through :func:`render_page`: the same style sheet
(screen and A4 print), the same Content-Security-Policy (nothing runs, nothing
loads from elsewhere: images are embedded, styles inline), a ``<title>``
naming the report and the survey, ``<html lang>`` in the report's language,
the banner when the codebook fits the export only in part, and the
provenance line at the foot.

Text from the survey (free-text answers, labels) is always escaped here;
catalogue texts are escaped too, except the few that hold deliberate markup
(``<strong>``), which pass through :func:`markup`.
"""

from __future__ import annotations

import html as _html
import math
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Sequence

import pandas as pd

from .catalogue import DASH, Catalogue

__all__ = ["Html", "Column", "esc", "markup", "render_table", "render_page", "fit_banner", "POLICY", "MIME"]

#: The mime type under which a notebook output tells the report builder about its page.
MIME = "application/vnd.survey-analysis.page+json"

# Nothing in a report runs or loads from elsewhere: images are embedded, styles inline.
POLICY = ('<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; img-src data:; '
          'style-src \'unsafe-inline\'; font-src data:">')


class Html:
    """A piece of report HTML that notebooks display and the report builder collects.

    ``meta`` (optional) travels with it under :data:`MIME`: the page heading
    uses it to give the builder the page's title.
    """

    def __init__(self, html: str, meta: dict | None = None) -> None:
        self.html = html
        self.meta = meta

    def _repr_html_(self) -> str:
        return self.html

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        bundle = {"text/html": self.html, "text/plain": re.sub(r"<[^>]+>", " ", self.html)[:200].strip()}
        if self.meta:
            bundle[MIME] = self.meta
        return bundle

    def __str__(self) -> str:
        return self.html

    def __add__(self, other: "Html | str") -> "Html":
        return Html(self.html + str(other), self.meta)


def esc(text: Any) -> str:
    """Text escaped for HTML (quotes too)."""
    return _html.escape("" if text is None else str(text), quote=True)


_ALLOWED = re.compile(r"&lt;(/?)(strong|em)&gt;")


def markup(text: str) -> str:
    """A catalogue text escaped, keeping only its ``<strong>`` and ``<em>`` tags."""
    return _ALLOWED.sub(r"<\1\2>", esc(text))


def _missing(value: Any) -> bool:
    if value is None or value is pd.NA:
        return True
    try:
        return isinstance(value, float) and math.isnan(value)
    except TypeError:
        return False


@dataclass
class Column:
    """One column of a table for people.

    ``kind``: ``text``, ``int``, ``num`` (two decimals; ``digits`` to change),
    ``pct`` (share 0-1 as a percentage), ``prob`` (a chance: "over 99%"
    rather than "100%"), ``p`` (a p-value), ``html`` (already safe markup) or
    ``interval`` (from the columns ``key`` and ``high``; ``percent=True`` for
    shares).  A missing value shows as a dash; ``hidden`` (a boolean column
    of the frame) marks the rows whose values were withheld, which the legend
    under the table explains.
    """

    key: str
    label: str
    kind: str = "text"
    digits: int = 2
    percent: bool = False
    css: str = ""
    high: str | None = None


def _cell(value: Any, column: Column, cat: Catalogue) -> tuple[str, bool]:
    """The cell's HTML and whether it shows a dash."""
    if column.kind == "interval":
        low, high = value if isinstance(value, tuple) else (None, None)
        if _missing(low) or _missing(high):
            return DASH, True
        return esc(cat.interval(low, high, column.digits, percent=column.percent)), False
    if _missing(value):
        return DASH, True
    if column.kind == "int":
        return esc(cat.integer(value)), False
    if column.kind == "num":
        return esc(cat.number(value, column.digits)), False
    if column.kind == "pct":
        return esc(cat.percent(value, column.digits if column.digits < 2 else 0)), False
    if column.kind == "prob":
        return esc(cat.probability(value)), False
    if column.kind == "p":
        return esc(cat.p_value(value)), False
    if column.kind == "html":
        return str(value), False
    return esc(value), False


def render_table(frame: pd.DataFrame, columns: Sequence[Column], cat: Catalogue, *, caption: str | None = None,
                 hidden: str | None = None, css: str = "", emphasise: Callable[[Any], bool] | None = None,
                 dashes_hidden: bool = False) -> str:
    """A table for people: human labels, formatted numbers, a dash for a hidden or missing value.

    Parameters
    ----------
    frame : DataFrame
        The rows to show (its index is not shown; put a meaningful index in a column).
    columns : list of Column
        Which columns, in which order, with which label and format.
    cat : Catalogue
        The report's language.
    caption : str, optional
        Shown above the table.
    hidden : str, optional
        A boolean column of ``frame``: rows whose figures were withheld by the
        disclosure rules.  When any dash is shown, the legend under the table
        says what a dash means.
    emphasise : callable, optional
        Row -> bool: rows shown in bold.
    dashes_hidden : bool, default False
        Every dash in the table marks a cell withheld by the disclosure rules
        (for tables whose cells, not rows, are hidden).
    """
    head = "".join(f'<th scope="col" class="{"num" if c.kind not in ("text", "html") else "txt"}">'
                   f"{esc(c.label)}</th>" for c in columns)
    body, dashes, withheld = [], False, False
    for _, row in frame.iterrows():
        cells = []
        row_hidden = bool(hidden and not _missing(row.get(hidden)) and bool(row.get(hidden)))
        withheld |= row_hidden
        for c in columns:
            value = (row.get(c.key), row.get(c.high)) if c.kind == "interval" else row.get(c.key)
            text, dash = _cell(value, c, cat)
            dashes |= dash
            klass = ("num" if c.kind not in ("text", "html") else "txt") + (f" {c.css}" if c.css else "")
            cells.append(f'<td class="{klass}">{text}</td>')
        strong = ' class="emph"' if emphasise is not None and emphasise(row) else ""
        body.append(f"<tr{strong}>{''.join(cells)}</tr>")
    parts = [f'<div class="table-wrap {css}"><table>']
    if caption:
        parts.append(f"<caption>{esc(caption)}</caption>")
    parts.append(f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>")
    if withheld or (dashes and dashes_hidden):
        parts.append(f'<p class="legend">{esc(cat.text("legend.hidden", dash=DASH))}</p>')
    elif dashes:
        parts.append(f'<p class="legend">{esc(cat.text("legend.missing", dash=DASH))}</p>')
    parts.append("</div>")
    return "".join(parts)


def fit_banner(fit: Any, cat: Catalogue) -> str:
    """The banner that opens every page when the codebook fits the export only in part.

    ``fit`` is the loader's fit summary (``survey.fit``): anything with a
    ``to_dict()`` giving ``{"partial": bool, "missing": [sentences], "fix": str}``.
    Returns "" when the fit is complete or unknown.
    """
    if fit is None or not hasattr(fit, "to_dict"):
        return ""
    summary = fit.to_dict()
    if not summary.get("partial"):
        return ""
    gaps = "".join(f"<li>{esc(sentence)}</li>" for sentence in summary.get("missing", []))
    fix = summary.get("fix")
    parts = [f'<aside class="banner" role="note"><p><strong>{esc(cat.text("banner.title"))}</strong> '
             f'{esc(cat.text("banner.lead"))}</p>']
    if gaps:
        parts.append(f"<ul>{gaps}</ul>")
    if fix:
        parts.append(f'<p>{esc(cat.text("banner.fix"))} <code>{esc(fix)}</code></p>')
    if cat.lang != "en" and gaps:
        parts.append(f'<p class="note">{esc(cat.text("banner.english"))}</p>')
    parts.append("</aside>")
    return "".join(parts)


_CSS = """
:root{--ink:#1d2327;--muted:#4f5a62;--line:#d0d7de;--soft:#f3f5f7;--accent:#005a8c;--warn:#8a4b00}
*{box-sizing:border-box}
html{font-size:16px}
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Liberation Sans",sans-serif;color:var(--ink);
line-height:1.5;margin:0;background:#fff}
main,footer{max-width:62rem;margin:0 auto;padding:0 1.25rem}
main{padding-top:1.5rem}
h1{font-size:1.7rem;line-height:1.25;margin:.2rem 0 .4rem}
h2{font-size:1.3rem;margin:2rem 0 .5rem;border-bottom:1px solid var(--line);padding-bottom:.2rem}
h3{font-size:1.08rem;margin:1.4rem 0 .4rem}
p,li{overflow-wrap:anywhere}
.subtitle{color:var(--muted);margin:0 0 1rem}
.lead{font-size:1.05rem}
.note,.legend,figcaption{color:var(--muted);font-size:.9rem}
.legend{margin:.3rem 0 0}
a{color:var(--accent)}
.table-wrap{max-width:100%;margin:.6rem 0 1rem}
table{border-collapse:collapse;font-size:.92rem;max-width:100%}
caption{text-align:left;font-weight:600;padding:.2rem 0}
th,td{border-bottom:1px solid var(--line);padding:.28rem .55rem;vertical-align:top;text-align:left}
thead th{border-bottom:2px solid var(--ink);font-weight:600}
th.num{text-align:right}
td.num{text-align:right;white-space:nowrap}
td.txt{overflow-wrap:break-word;min-width:7rem}
td.quote{font-style:italic;max-width:34rem}
tr.emph td{font-weight:600}
figure{margin:1rem 0;break-inside:avoid}
figure img{max-width:100%;height:auto;display:block}
.banner{border:2px solid var(--warn);background:#fff6e5;padding:.6rem 1rem;margin:0 0 1rem}
.banner ul{margin:.3rem 0}
.block{border:1px solid var(--line);border-radius:6px;padding:.4rem 1rem .8rem;margin:1rem 0;break-inside:avoid}
.block h3{margin-top:.6rem}
.figures{display:flex;flex-wrap:wrap;gap:.4rem 1.6rem;margin:.4rem 0}
.figures div{min-width:9rem}
.figures .value{font-size:1.25rem;font-weight:600;display:block}
.figures .what{color:var(--muted);font-size:.85rem}
.order{list-style:none;padding:0;margin:.4rem 0}
.order li{margin:.2rem 0}
.settled{color:#0b6e3a;font-weight:600}
.unsettled{color:var(--warn);font-weight:600}
details{margin:.6rem 0;border:1px solid var(--line);border-radius:6px;padding:.3rem .8rem}
summary{cursor:pointer;font-weight:600}
blockquote{margin:.3rem 0 .3rem 1rem;padding-left:.6rem;border-left:3px solid var(--line);font-style:italic}
code{font-size:.9em;overflow-wrap:anywhere}
ol.pages li{margin:.5rem 0}
dl.provenance{display:grid;grid-template-columns:max-content 1fr;gap:.15rem 1rem;font-size:.9rem}
dl.provenance dt{color:var(--muted)}
dl.provenance dd{margin:0;overflow-wrap:anywhere}
footer.provenance{color:var(--muted);font-size:.78rem;border-top:1px solid var(--line);margin-top:2.5rem;
padding-top:.5rem;padding-bottom:1.5rem;overflow-wrap:anywhere}
body.brief main{max-width:52rem}
body.brief h2{font-size:1.1rem;margin:1.1rem 0 .3rem}
body.brief .directions{padding-left:1.1rem;margin:.3rem 0}
body.brief .directions li{margin:.3rem 0}
@page{size:A4;margin:13mm 14mm}
@media print{
 html{font-size:10.5pt}
 main,footer{max-width:none;padding:0}
 main{padding-top:0}
 h2{break-after:avoid}
 h3{break-after:avoid}
 figure,table,.banner,blockquote,.figures{break-inside:avoid}
 .block{break-inside:auto}
 .table-wrap{overflow:visible}
 table{font-size:.86rem}
 a{color:inherit;text-decoration:none}
 footer.provenance{margin-top:1rem;padding-bottom:0}
 body.brief{font-size:9.1pt;line-height:1.3}
 body.brief h1{font-size:1.45rem}
 body.brief h2{font-size:1.05rem;margin:.45rem 0 .12rem;padding-bottom:.05rem}
 body.brief p{margin:.25rem 0}
 body.brief .directions li{margin:.18rem 0}
 body.brief footer.provenance{font-size:.7rem;margin-top:.5rem;padding-top:.25rem}
 body.brief p.lead{font-size:1.05em;margin:.3rem 0 .4rem}
 body.brief p.note{font-size:.9em;margin:.15rem 0}
}
"""


def render_page(body: str, *, title: str, cat: Catalogue, provenance: Any = None, fit: Any = None,
                page: str = "report") -> str:
    """One complete, self-contained report page.

    Parameters
    ----------
    body : str
        The page's content (safe HTML).
    title : str
        The ``<title>``: the report's name and the survey's.
    cat : Catalogue
        The report's language (``<html lang>``, the banner, the footer).
    provenance : Provenance, optional
        Printed as one line at the foot of the page.
    fit : fit summary, optional
        When partial, a banner opens the page (see :func:`fit_banner`).
    page : str
        A short name of the page, used as its ``<body>`` class.
    """
    footer = ""
    if provenance is not None:
        items = "; ".join(f"{esc(label)}: {esc(value)}" for label, value in provenance.items(cat))
        footer = f'<footer class="provenance">{items}</footer>'
    return (f'<!DOCTYPE html>\n<html lang="{esc(cat.lang)}">\n<head>\n<meta charset="utf-8">\n{POLICY}\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{esc(title)}</title>\n<style>{_CSS}</style>\n</head>\n"
            f'<body class="{esc(page)}">\n<main>\n{fit_banner(fit, cat)}\n{body}\n</main>\n{footer}\n</body>\n</html>\n')


@dataclass
class Section:
    """Heading and paragraphs, assembled in order (a small helper for the page builders)."""

    parts: list[str] = field(default_factory=list)

    def h(self, level: int, text: str, anchor: str | None = None) -> "Section":
        ident = f' id="{esc(anchor)}"' if anchor else ""
        self.parts.append(f"<h{level}{ident}>{esc(text)}</h{level}>")
        return self

    def p(self, text: str, css: str | None = None, *, safe: bool = False) -> "Section":
        klass = f' class="{css}"' if css else ""
        self.parts.append(f"<p{klass}>{text if safe else markup(text)}</p>")
        return self

    def add(self, html: str) -> "Section":
        self.parts.append(str(html))
        return self

    def items(self, texts: Iterable[str], *, ordered: bool = False, css: str | None = None,
              safe: bool = False) -> "Section":
        tag = "ol" if ordered else "ul"
        klass = f' class="{css}"' if css else ""
        inner = "".join(f"<li>{t if safe else markup(t)}</li>" for t in texts)
        self.parts.append(f"<{tag}{klass}>{inner}</{tag}>")
        return self

    def html(self, meta: dict | None = None) -> Html:
        return Html("\n".join(self.parts), meta)
