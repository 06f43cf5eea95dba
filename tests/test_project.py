"""The project set-up: dependency lists agree, layout is complete, notebooks are thin."""

from __future__ import annotations

import json
import re
import tomllib

import yaml

from conftest import ROOT


# Packages whose conda-forge name differs from their PyPI name.
_CONDA_NAMES = {"python-isal": "isal"}


def _name(requirement: str) -> str:
    name = re.split(r"[<>=!~ \[]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")
    return _CONDA_NAMES.get(name, name)


def test_environment_yml_lists_the_same_dependencies_as_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = {_name(r) for r in project["dependencies"]} | {_name(r) for r in project["optional-dependencies"]["test"]}
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    conda = {_name(d) for d in env["dependencies"] if isinstance(d, str)} - {"python", "pip"}
    assert conda == wanted
    assert "conda-forge" in env["channels"]
    pip_part = [d for d in env["dependencies"] if isinstance(d, dict)][0]["pip"]
    assert pip_part == ["-e ."]


def test_core_dependencies_are_named():
    env = (ROOT / "environment.yml").read_text(encoding="utf-8")
    for name in ["pandas", "jupyterlab", "matplotlib", "seaborn", "openpyxl", "scikit-learn", "nbval"]:
        assert re.search(rf"^\s*- {name}\b", env, re.M), name


def test_layout():
    for path in ["notebooks", "data", "src/survey_analysis", "reports", "tests", "benchmarks", "environment.yml",
                 "README.md", "pyproject.toml", "Makefile", ".ci/run", "LICENSE"]:
        assert (ROOT / path).exists(), path


def test_notebooks_are_thin_and_parameterised():
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        nb = json.loads(path.read_text(encoding="utf-8"))
        code = [c for c in nb["cells"] if c["cell_type"] == "code"]
        assert "parameters" in code[0].get("metadata", {}).get("tags", []), path.name
        assert "input_path" in "".join(code[0]["source"])
        for cell in code:
            source = "".join(cell["source"])
            assert not re.search(r"^\s*def ", source, re.M), f"{path.name} defines a function"
            if "NBVAL_CHECK_OUTPUT" not in source:
                assert not cell.get("outputs"), f"{path.name} keeps outputs nbval does not check"


def test_project_files_are_found_in_an_installed_share_folder(tmp_path, monkeypatch):
    import sys

    from survey_analysis.codebook import project_file

    shared = tmp_path / "share" / "survey-analysis" / "data"
    shared.mkdir(parents=True)
    (shared / "only-installed.yml").write_text("x: 1\n", encoding="utf-8")
    monkeypatch.setattr(sys, "prefix", str(tmp_path))
    assert project_file("data", "only-installed.yml") == shared / "only-installed.yml"
    # The checkout's own file wins when both exist.
    assert project_file("data", "codebook.yml") == ROOT / "data" / "codebook.yml"


def test_a_regular_install_carries_the_codebook_notebooks_and_proposals():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    data_files = project["tool"]["setuptools"]["data-files"]
    listed = [pattern for patterns in data_files.values() for pattern in patterns]
    for needed in ("data/codebook.yml", "notebooks/*.ipynb", "data/proposals/*.csv"):
        assert needed in listed
        assert list(ROOT.glob(needed)), needed
