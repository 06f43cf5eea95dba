"""Executing the report's notebooks: kernels started early, each running its share of notebooks.

A report run starts its kernels (as many as there are processors, at most one
per notebook) before it computes the findings, so that starting them and
importing the package inside them overlaps with that work; once the findings
are saved, :meth:`NotebookRunner.run` injects the parameters into each notebook
(papermill's parameterisation) and each kernel executes its notebooks one
after the other (nbclient).  Every notebook sets up all it uses in its own
cells (``make test`` runs each one alone under nbval), so a notebook never
depends on another that ran in the same kernel.  The kernels start in the
current folder, which is harmless because a run passes every path absolute.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
import tempfile
import time
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from ..errors import SurveyError

__all__ = ["NotebookRunner", "import_notebook_tools"]

# The imports every notebook makes first; a kernel makes them while it waits for its notebooks.
_WARM_UP = "import survey_analysis, survey_analysis.report, matplotlib.pyplot"
# The kernel's start-up notes are not for the report's reader.
_QUIET = ["--IPKernelApp.log_level=40"]


def import_notebook_tools() -> None:
    """Import the notebook machinery (nbformat, nbclient, papermill's parameters) once.

    jsonschema, which nbformat validates notebooks with, imports the optional
    IRI format checker ``rfc3987_syntax`` when it is installed, and that
    package compiles a grammar on import (about 2 s of processor time, a
    tenth of a report run).  Notebook files use no IRI format, so the checker
    is kept out of this import; the module stays importable afterwards.
    """
    if "nbclient" in sys.modules:
        return
    kept_out = "rfc3987_syntax" not in sys.modules
    if kept_out:
        sys.modules["rfc3987_syntax"] = None  # type: ignore[assignment]  # makes its import fail: skipped
    try:
        import nbclient  # noqa: F401
        import nbformat  # noqa: F401
        import papermill.iorw  # noqa: F401
        import papermill.parameterize  # noqa: F401
    finally:
        if kept_out and sys.modules.get("rfc3987_syntax", ...) is None:
            del sys.modules["rfc3987_syntax"]


class _Cancelled(Exception):
    """The run stopped before the notebooks could run."""


class NotebookRunner:
    """Kernels that start now and execute the notebooks once :meth:`run` gives the parameters.

    Parameters
    ----------
    notebooks : list of Path
        The notebooks, in report order.
    executed_dir : Path
        Where each executed notebook is written (also when a cell fails).
    processes : int
        How many kernels may run at once.

    Call :meth:`run` or :meth:`cancel` exactly once; either shuts the kernels down.
    """

    def __init__(self, notebooks: list[Path], executed_dir: Path, *, processes: int) -> None:
        self.notebooks = list(notebooks)
        self.executed_dir = executed_dir
        self.kernels = max(1, min(len(self.notebooks), processes))
        import_notebook_tools()
        self._parameters: Future = Future()
        self._backend = os.environ.get("MPLBACKEND")
        os.environ["MPLBACKEND"] = "Agg"  # inherited by the kernels
        # The kernels talk over local (Unix) sockets in a private folder: no TCP port can be taken
        # by another program between choosing it and binding it.
        self._sockets = tempfile.mkdtemp(prefix="survey-analysis-kernels-")
        self._pool = ThreadPoolExecutor(max_workers=self.kernels)
        shares = [self.notebooks[k::self.kernels] for k in range(self.kernels)]
        self._futures = [self._pool.submit(asyncio.run, self._run_share(share, k)) for k, share in enumerate(shares)]

    async def _run_share(self, share: list[Path], number: int) -> list[tuple[Path, float, Exception | None]]:
        # One event loop runs the whole share: a kernel's sockets belong to the loop that started it.
        import nbformat
        from jupyter_client.manager import AsyncKernelManager
        from nbclient import NotebookClient
        from nbclient.exceptions import CellExecutionError
        from papermill.iorw import load_notebook_node
        from papermill.parameterize import parameterize_notebook

        manager = AsyncKernelManager(kernel_name="python3", transport="ipc",
                                     ip=os.path.join(self._sockets, f"kernel-{number}"))
        done: list[tuple[Path, float, Exception | None]] = []
        try:
            await manager.start_kernel(extra_arguments=_QUIET)
            client = manager.client()
            client.start_channels()
            try:
                await client.wait_for_ready(timeout=120)
                client.execute(_WARM_UP, silent=True, store_history=False)
            finally:
                client.stop_channels()
            try:
                parameters = await asyncio.wrap_future(self._parameters)
            except _Cancelled:
                return done
            for notebook in share:
                started = time.perf_counter()
                executed = self.executed_dir / notebook.name
                nb = parameterize_notebook(load_notebook_node(str(notebook)), parameters, kernel_name="python3",
                                           language="python")
                runner = NotebookClient(nb, km=manager, kernel_name="python3", timeout=None)
                failure = None
                try:
                    await runner.async_execute()
                except CellExecutionError as exc:
                    failure = exc
                finally:
                    if runner.kc is not None:
                        runner.kc.stop_channels()
                    nbformat.write(nb, executed)
                done.append((executed, time.perf_counter() - started, failure))
                if failure is not None:
                    break
        finally:
            if manager.has_kernel:
                await manager.shutdown_kernel(now=True)
        return done

    def _finish(self) -> list[tuple[Path, float, Exception | None]]:
        try:
            return [item for future in self._futures for item in future.result()]
        finally:
            self._pool.shutdown()
            shutil.rmtree(self._sockets, ignore_errors=True)
            if self._backend is None:
                os.environ.pop("MPLBACKEND", None)
            else:
                os.environ["MPLBACKEND"] = self._backend

    def run(self, parameters: dict[str, Any], *, path: Path) -> list[tuple[Path, float]]:
        """Execute every notebook with ``parameters``; return (executed notebook, seconds) in order.

        Raises
        ------
        SurveyError
            A cell failed: names the notebook, the error and where the
            executed notebook (with the failing cell) was written.
        """
        self._parameters.set_result(parameters)
        finished = {executed.name: (executed, elapsed, failure) for executed, elapsed, failure in self._finish()}
        for notebook in self.notebooks:
            executed, _, failure = finished.get(notebook.name, (None, 0.0, None))
            if failure is not None:
                raise SurveyError(f"notebook {notebook.name} stopped with {failure.ename}: {failure.evalue} "
                                  f"(the executed notebook, with the failing cell, is {executed})", path=path)
        return [(finished[n.name][0], finished[n.name][1]) for n in self.notebooks]

    def cancel(self) -> None:
        """Shut the kernels down without running the notebooks (the run stopped before them)."""
        if not self._parameters.done():
            self._parameters.set_exception(_Cancelled())
        self._finish()
