"""The report stage: the HTML reports the working group reads, in English or Romanian.

A report set is the one-page brief (``summary.html``), one page per analysis
notebook executed on the export (``01_overview``, ``02_evidence``,
``03_segments_and_proposals``) and ``index.html``; the charts are also
written to ``figures/`` as PNG and SVG.

Modules, in the order a run uses them:

- :mod:`.provenance` — the input files' SHA-256, version, time, threshold, seed;
- :mod:`.statistics` — the headline figures and the steps of the order, read
  from the statistics stage;
- :mod:`.findings` — every analysis a report shows, computed once;
- :mod:`.catalogue` — one catalogue of texts per language, and number formats;
- :mod:`.wording` — the rules that turn figures into plain words, and the
  sentences built from them;
- :mod:`.html`, :mod:`.figures` — tables for people, charts, the page template;
- :mod:`.base`, :mod:`.overview`, :mod:`.evidence_page`,
  :mod:`.segments_page`, :mod:`.brief` — the sections of each page;
- :mod:`.build` — the run: notebooks executed, pages gathered and written.

A new page uses the same template (:func:`render_page`), catalogue and
provenance footer: write its sections on :class:`PageBase`, add its texts to
both catalogues, and add it to :data:`PAGES`.
"""

from __future__ import annotations

from .base import PAGES, PageBase
from .brief import BriefSections as Sections
from .build import NOTEBOOKS_DIR, REPORTS_DIR, build_reports, notebook_page, write_index, write_report_set
from .catalogue import LANGUAGES, Catalogue
from .findings import Findings
from .html import Html, render_page
from .provenance import Provenance

__all__ = ["PAGES", "PageBase", "Sections", "NOTEBOOKS_DIR", "REPORTS_DIR", "build_reports", "notebook_page",
           "write_index", "write_report_set", "LANGUAGES", "Catalogue", "Findings", "Html",
           "render_page", "Provenance"]
