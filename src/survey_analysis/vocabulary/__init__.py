"""Wordings the workbench knows, shipped as data beside the code.

Each ``.yml`` file of this folder starts with a comment saying what it holds and
where its entries come from:

``scales.yml``
    the levels of common answer scales (agreement, importance, satisfaction,
    frequency, likelihood, quality, yes/no) as different survey tools and
    translators word them, in English and Romanian, and the tools' default scales.
``ranks.yml``
    the ways an export writes a place in a ranking ("Locul 1", "1st", "Rank 1",
    "1 (highest)", "Prioritatea 1").

The files are package data, so a regular install carries them; read one with
:func:`read_vocabulary`.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

__all__ = ["read_vocabulary", "vocabulary_names"]


def vocabulary_names() -> list[str]:
    """The vocabularies this installation carries (file names without ``.yml``)."""
    folder = resources.files(__name__)
    return sorted(entry.name[:-4] for entry in folder.iterdir() if entry.name.endswith(".yml"))


@lru_cache(maxsize=None)
def read_vocabulary(name: str) -> Any:
    """The parsed content of ``<name>.yml`` of this folder.

    The result is shared between callers: treat it as read-only.

    Raises
    ------
    KeyError
        There is no vocabulary of that name (the message lists those there are).
    """
    entry = resources.files(__name__).joinpath(f"{name}.yml")
    if not entry.is_file():
        raise KeyError(f"no vocabulary named {name!r}; there are {vocabulary_names()}")
    return yaml.load(entry.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
