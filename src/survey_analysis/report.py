"""Run the notebooks on an export and write the HTML reports.

The report stage executes every notebook of ``notebooks/`` with papermill,
injecting the input file and codebook into its ``parameters`` cell, then
exports each executed notebook with nbconvert as one self-contained HTML file
(code hidden, charts embedded as images, no scripts and nothing loaded from
elsewhere, so the file can be mailed on its own and opened offline),
and writes ``index.html`` linking them.  The notebooks never show the
identifying columns, mask e-mail addresses, phone numbers and IP addresses that
members typed into free text, and show free text escaped, never as HTML.
"""

from __future__ import annotations

import datetime as dt
import html
import os
import re
from pathlib import Path
from typing import Callable

from .codebook import project_file
from .errors import FileProblemError, SurveyError
from .outputs import OutputRun

__all__ = ["NOTEBOOKS_DIR", "REPORTS_DIR", "build_reports", "export_html", "write_index"]

#: Where the analysis notebooks live (the project's ``notebooks/``).
NOTEBOOKS_DIR = project_file("notebooks")
#: Where reports are written by default: the checkout's ``reports/``, else ``reports/`` here.
REPORTS_DIR = (Path(__file__).resolve().parents[2] / "reports"
               if (Path(__file__).resolve().parents[2] / "pyproject.toml").exists() else Path("reports"))

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;max-width:52rem;margin:2rem auto;
padding:0 1rem;color:#222;line-height:1.5}
h1{font-size:1.6rem}li{margin:.4rem 0}.meta{color:#555;font-size:.9rem}
a{color:#1b6ca8}
"""


def _notebook_title(path: Path) -> str:
    import nbformat

    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return path.stem.replace("_", " ")


def export_html(notebook: Path, out: Path) -> Path:
    """Export an executed notebook as one self-contained HTML file without code."""
    import nbformat
    from nbconvert import HTMLExporter

    nb = nbformat.read(notebook, as_version=4)
    exporter = HTMLExporter(template_name="lab")
    exporter.exclude_input = True
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    body, _ = exporter.from_notebook_node(nb)
    out.write_text(_self_contained(body), encoding="utf-8")
    return out


_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script\s*>", re.S | re.I)
# Nothing in a report runs or loads from elsewhere: images are embedded, styles inline.
_POLICY = ('<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; img-src data:; '
           'style-src \'unsafe-inline\'; font-src data:">')


def _self_contained(page: str) -> str:
    """Drop the template's scripts (they load from the internet) and forbid any other."""
    page = _SCRIPT.sub("", page)
    return page.replace("<head>", "<head>\n" + _POLICY, 1)


def write_index(out_dir: Path, entries: list[tuple[str, str]], *, input_path: Path) -> Path:
    """Write ``index.html`` linking the notebook reports."""
    items = "\n".join(f'<li><a href="{html.escape(href)}">{html.escape(title)}</a></li>' for title, href in entries)
    stamp = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">{_POLICY}<title>Survey evidence reports</title>
<style>{_CSS}</style></head>
<body><h1>Survey evidence for the strategic agenda</h1>
<p class="meta">Input: {html.escape(input_path.name)} &middot; produced {stamp} by survey-analysis</p>
<ol>
{items}
</ol>
<p class="meta">Each report is a single file that opens in any browser. Identifying answers (names, e-mails,
organisation names) are never shown; groups smaller than the disclosure threshold are suppressed.</p>
</body></html>
"""
    path = out_dir / "index.html"
    path.write_text(page, encoding="utf-8")
    return path


def build_reports(input_path: str | Path, *, codebook: str | Path | None = None, register: str | Path | None = None,
                  out: str | Path | None = None,
                  notebooks: str | Path | None = None, progress: Callable[[str], None] | None = print,
                  parameters: dict | None = None, allow_partial: bool = False, force: bool = False) -> list[Path]:
    """Execute every notebook on ``input_path`` and write the HTML reports.

    ``register`` is the membership register (CSV or xlsx with member category
    and size) used for coverage and weighting; without it coverage is reported
    as unknown.  An export that matches the codebook only in part is refused
    before any notebook runs (:class:`~survey_analysis.errors.PartialMatchError`,
    naming the fix) unless ``allow_partial``, which is passed on to the
    notebooks.  ``out`` is refused when writing there could damage something
    (see :func:`survey_analysis.outputs.check_output_folder`; ``force`` writes
    into a non-empty folder that no previous run wrote).  The set of pages is
    written whole or not at all, each page stamped with the run's id and the
    input's SHA-256 (:class:`survey_analysis.outputs.OutputRun`).  Returns
    the pages written, ``index.html`` first.
    """
    import papermill

    input_path = Path(input_path).resolve()
    if not input_path.is_file():
        raise FileProblemError("the export to report on does not exist", path=input_path,
                               hint="give the path of a survey export (.xlsx or .csv).")
    # Check the input once, before any kernel starts: a bad file or a codebook without
    # directions gets its own clear message rather than a failing notebook cell.
    from .codebook import DEFAULT_CODEBOOK
    from .survey import load_responses

    from .survey.fit import ANALYSIS_NEEDS, check_fit

    survey = load_responses(input_path, codebook if codebook is not None else DEFAULT_CODEBOOK)
    check_fit(survey, allow_partial=allow_partial, needs=ANALYSIS_NEEDS, stacklevel=2)
    if not any(survey.items_by_direction().values()):
        raise SurveyError("the codebook gives no Likert item of this export a strategic direction, so there is "
                          "no evidence to report", path=input_path,
                          hint="add 'direction: SD1' (etc.) to the Likert questions of the codebook.")
    if progress:
        progress(f"{input_path.name}: {survey.n} respondents of {survey.report.rows_read} rows read "
                 f"({survey.report.source} export)")
    notebooks_dir = Path(notebooks) if notebooks else NOTEBOOKS_DIR
    found = sorted(notebooks_dir.glob("[0-9][0-9]_*.ipynb"))
    if not found:
        raise FileProblemError("no notebooks to run", path=notebooks_dir,
                               hint="run from a checkout of the project, or pass --notebooks DIR.")
    out_dir = Path(out) if out else REPORTS_DIR
    params = {"input_path": str(input_path),
              "codebook_path": str(Path(codebook if codebook is not None else DEFAULT_CODEBOOK).resolve()),
              # Without a register the notebooks say that coverage is unknown.
              "register_path": None if register is None else str(Path(register).resolve()),
              "allow_partial": bool(allow_partial)}
    if register is not None:
        from .coverage import read_register

        read_register(register)  # a bad register is reported before any notebook runs
    params.update(parameters or {})
    entries: list[tuple[str, str]] = []
    pages: list[Path] = []
    env_backend = os.environ.get("MPLBACKEND")
    os.environ["MPLBACKEND"] = "Agg"
    # The set is written into a staging folder and swapped in whole: a run stopped midway never leaves
    # pages of two runs that look like one set (see outputs.py).
    with OutputRun(out_dir, input_path=input_path, force=force) as run:
        for note in run.notes:
            if progress:
                progress(note)
        executed_dir = run.staging / "executed"
        executed_dir.mkdir()
        try:
            for k, nb_path in enumerate(found, start=1):
                if progress:
                    progress(f"[{k}/{len(found)}] running {nb_path.name}")
                executed = executed_dir / nb_path.name
                try:
                    papermill.execute_notebook(str(nb_path), str(executed), parameters=params,
                                               cwd=str(nb_path.parent), progress_bar=False, log_output=False,
                                               kernel_name="python3")
                except papermill.PapermillExecutionError as exc:
                    kept = _keep_failed(executed)
                    raise SurveyError(f"notebook {nb_path.name} stopped with {exc.ename}: {exc.evalue} "
                                      f"(the executed notebook, with the failing cell, is {kept}); the reports "
                                      f"in {run.folder} were left as they were", path=input_path) from None
                html_path = run.stamp(export_html(executed, run.staging / (nb_path.stem + ".html")))
                entries.append((_notebook_title(nb_path), html_path.name))
                pages.append(html_path)
        finally:
            if env_backend is None:
                os.environ.pop("MPLBACKEND", None)
            else:
                os.environ["MPLBACKEND"] = env_backend
        index = run.stamp(write_index(run.staging, entries, input_path=input_path), pages=pages)
        written = run.commit(index=index)
    if progress:
        for path in written:
            if path.suffix == ".html":
                progress(f"wrote {path}")
    return [path for path in written if path.suffix == ".html"]


def _keep_failed(executed: Path) -> Path:
    """Copy a notebook that failed out of the staging folder (which is removed) so the analyst can open it."""
    import shutil
    import tempfile

    keep = Path(tempfile.gettempdir()) / "survey-analysis-failed"
    keep.mkdir(exist_ok=True)
    target = keep / executed.name
    if executed.exists():
        shutil.copyfile(executed, target)
    return target
