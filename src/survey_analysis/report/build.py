"""Run a report set: the brief, the notebooks executed on the export, the index.

:func:`build_reports` loads the export once, computes every finding once
(:class:`.findings.Findings`) and saves it for the notebooks, executes every
notebook of ``notebooks/`` with papermill (its ``parameters`` cell receives
the input, codebook, register, language, disclosure threshold, seed, the
charts folder and the saved findings), gathers each executed notebook's
outputs into a page of the common template (the code and the notebook's own
markdown notes stay out of the report: every word of a report comes from
the language's catalogue), composes the one-page brief, and writes the set
with :func:`write_report_set`.  Each page is one self-contained file (charts
embedded, no scripts, nothing loaded from elsewhere) that can be mailed on its
own; the charts are also written to ``figures/`` as PNG and SVG.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import time
from pathlib import Path
from typing import Callable

from ..codebook import DEFAULT_CODEBOOK, project_file
from ..errors import FileProblemError, SurveyError
from ..outputs import OutputRun, check_output_folder
from .base import PAGES
from .brief import BriefSections
from .catalogue import Catalogue, catalogue
from .findings import Findings
from .html import MIME, esc, render_page
from .kernels import NotebookRunner

__all__ = ["NOTEBOOKS_DIR", "REPORTS_DIR", "build_reports", "notebook_page", "write_index", "write_report_set"]

#: Where the analysis notebooks live (the project's ``notebooks/``).
NOTEBOOKS_DIR = project_file("notebooks")
_ROOT = Path(__file__).resolve().parents[3]
#: Where reports are written by default: the checkout's ``reports/``, else ``reports/`` here.
REPORTS_DIR = _ROOT / "reports" if (_ROOT / "pyproject.toml").exists() else Path("reports")

_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script\s*>", re.S | re.I)


def notebook_page(executed: Path) -> tuple[str, dict]:
    """The report body gathered from an executed notebook's outputs, and its page metadata.

    HTML outputs are kept as they are (the report sections escape all text
    themselves), printed lines become paragraphs, other images are embedded,
    errors and warnings on stderr are left out; the notebook's markdown cells
    (notes for the analyst) are not part of the report.  Any ``<script>`` is
    removed: a report never runs anything.
    """
    import nbformat

    notebook = nbformat.read(executed, as_version=4)
    parts: list[str] = []
    meta: dict = {}
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        for output in cell.get("outputs", []):
            kind = output.get("output_type")
            if kind == "stream":
                if output.get("name") == "stdout" and output.get("text", "").strip():
                    parts.extend(f'<p class="headline">{esc(line)}</p>' for line in output["text"].splitlines()
                                 if line.strip())
            elif kind in ("display_data", "execute_result"):
                data = output.get("data", {})
                if MIME in data and not meta:
                    meta = dict(data[MIME])
                if "text/html" in data:
                    html = data["text/html"]
                    parts.append("".join(html) if isinstance(html, list) else html)
                elif "image/png" in data:
                    parts.append(f'<figure><img src="data:image/png;base64,{data["image/png"].strip()}" alt=""></figure>')
                elif "text/plain" in data:
                    parts.append(f"<pre>{esc(data['text/plain'])}</pre>")
    return _SCRIPT.sub("", "\n".join(parts)), meta


def write_index(entries: list[tuple[str, str, str]], *, cat: Catalogue, findings: Findings,
                title: str) -> str:
    """The body of ``index.html``: the pages (the brief first), the provenance, what the files are."""
    items = "".join(f'<li><a href="{esc(href)}">{esc(name)}</a><br><span class="note">{esc(what)}</span></li>'
                    for name, href, what in entries)
    provenance = ""
    if findings.provenance is not None:
        rows = "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in findings.provenance.items(cat))
        provenance = f"<h2>{esc(cat.text('index.provenance'))}</h2><dl class=\"provenance\">{rows}</dl>"
    return (f"<h1>{esc(cat.text('index.title'))}</h1><p class=\"subtitle\">{esc(title)}</p>"
            f"<p class=\"lead\">{esc(cat.text('index.lead'))}</p><ol class=\"pages\">{items}</ol>"
            f"<p class=\"note\">{esc(cat.text('index.figures'))}</p>{provenance}"
            f"<p class=\"note\">{esc(cat.text('index.privacy', threshold=cat.integer(findings.threshold)))}</p>")


def write_report_set(run: OutputRun, pages: dict[str, str], *, cat: Catalogue,
                     progress: Callable[[str], None] | None = None) -> list[Path]:
    """Write the pages of a report set (file name -> HTML) and swap the set into its folder whole.

    Every page of a run is written here and nowhere else.  The pages (and the
    charts and executed notebooks already in the run's staging folder) are
    written into ``run.staging``, each stamped with the run's id and the
    export's SHA-256; ``index.html`` last, after checking that every page it
    lists carries that stamp; then :meth:`OutputRun.commit` moves the set in,
    so that a run stopped midway never leaves pages of two runs that look like
    one set (see :mod:`survey_analysis.outputs`).  Returns the pages in the
    order given.
    """
    # the stamp's templates in the report's language, their placeholders left for OutputRun to fill
    words = {key: cat.text(f"run.{key}", run_id="{run_id}", input_hash="{input_hash}", started="{started}",
                           n="{n}", pages="{pages}")
             for key in OutputRun.STAMP_WORDS}
    staged: dict[str, Path] = {}
    for name, page in pages.items():
        if name == "index.html":
            continue
        path = run.staging / name
        path.write_text(page, encoding="utf-8")
        staged[name] = run.stamp(path, words=words)
    index = run.staging / "index.html"
    index.write_text(pages["index.html"], encoding="utf-8")
    run.stamp(index, pages=list(staged.values()), words=words)
    run.commit(index=index)
    written = [run.folder / name for name in pages]
    if progress:
        for path in written:
            progress(f"wrote {path}")
    return written


def _keep_failed(executed_dir: Path, run_id: str) -> Path:
    """Copy the executed notebooks of a failed run out of its staging folder (which is removed)."""
    keep = Path(tempfile.gettempdir()) / "survey-analysis-failed" / run_id
    keep.mkdir(parents=True, exist_ok=True)
    for notebook in executed_dir.glob("*.ipynb"):
        shutil.copyfile(notebook, keep / notebook.name)
    return keep


def build_reports(input_path: str | Path, *, codebook: str | Path | None = None, register: str | Path | None = None,
                  out: str | Path | None = None, notebooks: str | Path | None = None,
                  progress: Callable[[str], None] | None = print, parameters: dict | None = None,
                  lang: str = "en", sheet: str | None = None, threshold: int = 5, random_state: int = 0,
                  allow_partial: bool = False, force: bool = False) -> list[Path]:
    """Write the report set of an export: the brief, one page per notebook, and the index.

    Parameters
    ----------
    input_path : path
        The survey export.
    codebook : path, optional
        The codebook (default: the bundled questionnaire's).
    register : path, optional
        The membership register (CSV or xlsx with member category and size),
        for coverage and weighting; without it coverage is reported as unknown.
    out : path, optional
        The folder to write to (default ``reports/``); charts go to its ``figures/``.
    notebooks : path, optional
        The folder of notebooks to run (default the project's ``notebooks/``).
    progress : callable, optional
        Receives one line per step (``print`` by default; None is silent).
    parameters : dict, optional
        More values for the notebooks' ``parameters`` cells.
    lang : {"en", "ro"}, default "en"
        The language of the whole set.
    sheet : str, optional
        The sheet to read (default: the one that holds the responses).
    threshold : int, default 5
        Disclosure threshold.
    random_state : int, default 0
        Seed of every random step.
    allow_partial : bool, default False
        Report even when the codebook fits the export only in part (every page
        then opens with a banner saying what is missing).
    force : bool, default False
        Write into a non-empty folder that no previous run wrote.  A folder
        whose writing could damage something (the file-system root, the home
        folder, a checkout's root) is refused always
        (:func:`survey_analysis.outputs.check_output_folder`).

    The set is written whole or not at all: into a staging folder, every page
    stamped with the run's id and the export's SHA-256, then swapped in; the
    previous set stays as it was when a run stops midway, and a second run
    into the same folder waits its turn (it is refused while the first runs).

    Returns
    -------
    list of Path
        The pages written: ``index.html``, ``summary.html``, then the notebook pages.
    """
    cat = catalogue(lang)
    input_path = Path(input_path).resolve()
    if not input_path.is_file():
        raise FileProblemError("the export to report on does not exist", path=input_path,
                               hint="give the path of a survey export (.xlsx or .csv).")
    out_dir = Path(out) if out else REPORTS_DIR
    check_output_folder(out_dir, force=force)  # refused before any work, not after it
    codebook_path = Path(codebook if codebook is not None else DEFAULT_CODEBOOK).resolve()
    register_path = None if register is None else Path(register).resolve()
    # Everything is checked and computed once, before any kernel starts: a bad file, codebook or
    # register gets its own clear message rather than a failing notebook cell.
    findings = Findings.load(input_path, codebook_path, register_path=register_path, sheet=sheet,
                             threshold=threshold, random_state=random_state, allow_partial=allow_partial)
    survey = findings.survey  # loaded and checked against the codebook (the fit guard) by Findings.load
    if not any(survey.items_by_direction().values()):
        raise SurveyError("the codebook gives no Likert item of this export a strategic direction, so there is "
                          "no evidence to report", path=input_path,
                          hint="add 'direction: SD1' (etc.) to the Likert questions of the codebook.")
    notebooks_dir = Path(notebooks) if notebooks else NOTEBOOKS_DIR
    found = sorted(notebooks_dir.glob("[0-9][0-9]_*.ipynb"))
    if not found:
        raise FileProblemError("no notebooks to run", path=notebooks_dir,
                               hint="run from a checkout of the project, or pass --notebooks DIR.")
    if progress:
        progress(f"{input_path.name}: {survey.n} respondents of {survey.report.rows_read} rows read "
                 f"({survey.report.source} export); writing the {cat.text('language_name')} reports")
        progress("computing the findings (evidence, order, groups, segments, proposals, priorities)")
    started = time.perf_counter()
    with OutputRun(out_dir, input_path=input_path, force=force) as run:
        for note in run.notes:
            if progress:
                progress(note)
        return _write_set(run, findings, found, cat=cat, lang=lang, started=started, progress=progress,
                          parameters=parameters, input_path=input_path, codebook_path=codebook_path,
                          register_path=register_path, threshold=threshold, random_state=random_state,
                          allow_partial=allow_partial)


def _write_set(run: OutputRun, findings: Findings, found: list[Path], *, cat: Catalogue, lang: str, started: float,
               progress: Callable[[str], None] | None, parameters: dict | None, input_path: Path,
               codebook_path: Path, register_path: Path | None, threshold: int, random_state: int,
               allow_partial: bool) -> list[Path]:
    """Compute the findings, run the notebooks and write the pages, all into ``run``'s staging folder."""
    executed_dir = run.staging / "executed"
    figures_dir = run.staging / "figures"
    for folder in (executed_dir, figures_dir):
        folder.mkdir(parents=True, exist_ok=True)
    processes = os.cpu_count() or 1
    # The kernels start (and import the package) while the findings are computed.
    runner = NotebookRunner(found, executed_dir, processes=processes)
    try:
        findings.compute_all(processes=processes, lang=lang)
        saved = findings.save(executed_dir / "findings.pickle")
    except BaseException:
        runner.cancel()
        raise
    if progress:
        progress(f"      done in {time.perf_counter() - started:.1f} s")
    params = {"input_path": str(input_path), "codebook_path": str(codebook_path),
              "register_path": None if register_path is None else str(register_path),
              "lang": lang, "disclosure_threshold": int(threshold), "random_state": int(random_state),
              "allow_partial": bool(allow_partial),
              "figures_dir": str(figures_dir.resolve()), "findings_path": str(saved.resolve())}
    params.update(parameters or {})
    sections = BriefSections(findings, lang=lang, figures_dir=figures_dir)
    survey_title = sections.survey_title()
    pages: dict[str, str] = {}
    try:
        brief = sections.brief()
    except BaseException:
        runner.cancel()
        raise
    pages[PAGES["summary"]] = render_page(brief.html, title=brief.meta["title"], cat=cat,
                                          provenance=findings.provenance, fit=findings.fit, page="brief")
    entries = [(cat.text("pages.summary.title"), PAGES["summary"], cat.text("pages.summary.index"))]
    if progress:
        progress(f"running {len(found)} notebooks ({', '.join(nb.name for nb in found)}) in {runner.kernels} "
                 f"kernel{'s' if runner.kernels > 1 else ''}")
    try:
        executed_notebooks = runner.run(params, path=input_path)
    except SurveyError as failure:
        kept = _keep_failed(executed_dir, run.run_id)
        raise SurveyError(f"{failure.message.replace(str(executed_dir), str(kept))}; the reports in "
                          f"{run.folder} were left as they were", path=input_path) from None
    # The saved findings hold answers as read; they served the notebooks and are not part of the set.
    saved.unlink(missing_ok=True)
    if progress:
        for executed, elapsed in executed_notebooks:
            progress(f"      {executed.name} done in {elapsed:.1f} s")
    for executed, _ in executed_notebooks:
        body, meta = notebook_page(executed)
        page_id = meta.get("page", executed.stem)
        title = meta.get("title") or f"{executed.stem} \u2014 {survey_title}"
        name = executed.stem + ".html"
        pages[name] = render_page(body, title=title, cat=cat, provenance=findings.provenance, fit=findings.fit,
                                  page=page_id)
        index_key = f"pages.{page_id}.index"
        entries.append((title.split(" \u2014 ")[0], name, cat.text(index_key) if cat.has(index_key) else ""))
    index_body = write_index(entries, cat=cat, findings=findings, title=survey_title)
    # The index lists the provenance in full, so it needs no footer.
    ordered = {"index.html": render_page(index_body, title=f"{cat.text('index.title')} \u2014 {survey_title}",
                                         cat=cat, fit=findings.fit, page="index")}
    ordered.update(pages)
    # The brief is named first: it is the page to open.
    first = [PAGES["summary"], *[n for n in ordered if n not in (PAGES["summary"], "index.html")], "index.html"]
    written = write_report_set(run, {n: ordered[n] for n in first}, cat=cat, progress=progress)
    by_name = {p.name: p for p in written}
    return [by_name["index.html"], by_name[PAGES["summary"]],
            *[by_name[n] for n in first if n not in ("index.html", PAGES["summary"])]]
