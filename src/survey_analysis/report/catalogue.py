"""The label catalogues: every word a report prints, one catalogue per language.

A catalogue is a YAML file beside this module (``catalogues/en.yml``,
``catalogues/ro.yml``) mapping dotted keys to texts with ``{placeholders}``.
Sentences are written whole in each language, so that word order, agreement
and plural forms are the language's own and never an English template
translated afterwards.  A text that depends on a count is a mapping of the
language's plural categories (CLDR: ``one``, ``few``, ``other`` for Romanian;
``one``, ``other`` for English) to texts.

Numbers, percentages, intervals, lists and dates are formatted for the
language with Babel (3.96 and 29% in English, 3,96 and 29 % in Romanian).
"""

from __future__ import annotations

import datetime as dt
import math
import string
from functools import lru_cache
from importlib import resources
from typing import Any, Iterable

import yaml
from babel import Locale
from babel.dates import format_datetime
from babel.lists import format_list
from babel.numbers import format_decimal, format_percent

from ..errors import AnalysisInputError

__all__ = ["LANGUAGES", "Catalogue", "catalogue", "DASH"]

#: The languages a report can be written in.
LANGUAGES = ("en", "ro")

#: What a table shows in place of a hidden or missing value.
DASH = "\u2013"


@lru_cache(maxsize=None)
def _entries(lang: str) -> dict[str, Any]:
    source = resources.files(__package__).joinpath("catalogues", f"{lang}.yml")
    data = yaml.load(source.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    flat: dict[str, Any] = {}

    def walk(prefix: str, node: Any) -> None:
        if isinstance(node, dict) and not _is_plural(node):
            for key, value in node.items():
                if not isinstance(key, str):  # YAML reads a bare yes/no/on as a boolean
                    raise AnalysisInputError(f"catalogue {lang}: the key {key!r} under {prefix!r} is not text",
                                             hint="quote it in the YAML file.")
                walk(f"{prefix}.{key}" if prefix else key, value)
            return
        values = node.values() if isinstance(node, dict) else [node]
        if not all(isinstance(v, str) for v in values):
            raise AnalysisInputError(f"catalogue {lang}: the text {prefix!r} is not text ({node!r})",
                                     hint="quote it in the YAML file (YAML reads On, No, 1.0 as other types).")
        flat[prefix] = node

    walk("", data)
    return flat


_PLURAL_KEYS = {"zero", "one", "two", "few", "many", "other"}


def _is_plural(node: dict) -> bool:
    return bool(node) and set(node) <= _PLURAL_KEYS and "other" in node


def placeholders(text: str) -> set[str]:
    """The ``{names}`` a catalogue text expects."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


class Catalogue:
    """The texts and formats of one language.

    Parameters
    ----------
    lang : {"en", "ro"}
        The report's language.

    Examples
    --------
    >>> ro = Catalogue("ro")
    >>> ro.number(3.9649), ro.percent(0.29)
    ('3,96', '29\\xa0%')
    >>> ro.count("unit.members", 150)
    '150 de membri'
    """

    def __init__(self, lang: str = "en") -> None:
        if lang not in LANGUAGES:
            raise AnalysisInputError(f"reports are written in {' or '.join(LANGUAGES)}, not {lang!r}",
                                     value=lang, hint="pass --lang en or --lang ro.")
        self.lang = lang
        self.locale = Locale.parse(lang)
        self._entries = _entries(lang)
        pattern = self.locale.percent_formats[None].pattern
        # The locale's own percent pattern ("#,##0%", "#,##0 %") with one decimal place.
        self._percent_1 = pattern.replace("0%", "0.0%").replace("0\u00a0%", "0.0\u00a0%")

    # ---- texts ------------------------------------------------------------------------
    def has(self, key: str) -> bool:
        return key in self._entries

    def text(self, key: str, **values: Any) -> str:
        """The text under ``key`` with its placeholders filled in.

        Values are inserted as given (format numbers first with :meth:`number`,
        :meth:`percent` ...); a missing key or placeholder is an error, so a
        catalogue gap never reaches a report silently.
        """
        try:
            entry = self._entries[key]
        except KeyError:
            raise AnalysisInputError(f"the {self.lang} catalogue has no text {key!r}", value=key,
                                     hint=f"add it to report/catalogues/{self.lang}.yml.") from None
        if isinstance(entry, dict):
            raise AnalysisInputError(f"the text {key!r} depends on a number: use count()", value=key)
        return self._fill(key, str(entry), values)

    def count(self, key: str, n: int | float, **values: Any) -> str:
        """The plural form of ``key`` for ``n``, with ``{n}`` formatted for the language."""
        entry = self._entries.get(key)
        if not isinstance(entry, dict):
            raise AnalysisInputError(f"the {self.lang} catalogue has no counted text {key!r}", value=key,
                                     hint=f"add it with its plural forms to report/catalogues/{self.lang}.yml.")
        form = self.locale.plural_form(abs(n)) if float(n).is_integer() else "other"
        text = entry.get(form, entry["other"])
        return self._fill(key, str(text), {"n": self.integer(n) if float(n).is_integer() else self.number(n),
                                           **values})

    def _fill(self, key: str, text: str, values: dict[str, Any]) -> str:
        try:
            return text.format_map(values)
        except KeyError as missing:
            raise AnalysisInputError(f"the text {key!r} needs the value {missing}", value=sorted(values)) from None

    def label(self, name: str) -> str:
        """The human label of a table column (``labels.<name>``), else the name itself."""
        return str(self._entries.get(f"labels.{name}", name))

    # ---- numbers ------------------------------------------------------------------------
    def number(self, value: float, digits: int = 2) -> str:
        """A decimal number with ``digits`` places (3.96 / 3,96); a dash when missing."""
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return DASH
        pattern = "#,##0" + ("." + "0" * digits if digits else "")
        return format_decimal(float(value), format=pattern, locale=self.locale)

    def integer(self, value: float) -> str:
        """A whole number with the language's grouping (20,000 / 20.000)."""
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return DASH
        return format_decimal(int(round(float(value))), locale=self.locale)

    def percent(self, share: float, digits: int = 0) -> str:
        """A share (0-1) as a percentage (29% / 29 %); a dash when missing."""
        if share is None or (isinstance(share, float) and math.isnan(share)):
            return DASH
        if digits == 0:
            return format_percent(float(share), locale=self.locale)
        return format_percent(float(share), format=self._percent_1, locale=self.locale)

    def probability(self, p: float) -> str:
        """A chance as a percentage, never rounded to a certainty: "over 99%", "under 1%"."""
        if p is None or (isinstance(p, float) and math.isnan(p)):
            return DASH
        if p > 0.99:
            return self.text("format.over", value=self.percent(0.99))
        if 0 <= p < 0.01:
            return self.text("format.under", value=self.percent(0.01))
        return self.percent(p)

    def p_value(self, p: float) -> str:
        """A p-value with three decimals, "<0.001" below that."""
        if p is None or (isinstance(p, float) and math.isnan(p)):
            return DASH
        if p < 0.001:
            return "<" + self.number(0.001, 3)
        return self.number(p, 3)

    def interval(self, low: float, high: float, digits: int = 2, *, percent: bool = False) -> str:
        """An interval written as the language writes ranges (3.83–4.05)."""
        if any(v is None or (isinstance(v, float) and math.isnan(v)) for v in (low, high)):
            return DASH
        fmt = (lambda v: self.percent(v, 0)) if percent else (lambda v: self.number(v, digits))
        return self.text("format.interval", low=fmt(low), high=fmt(high))

    def quote(self, text: str) -> str:
        """Text in the language's quotation marks (“…” / „…”)."""
        return self.text("format.quote", text=text)

    def join(self, items: Iterable[str], *, style: str = "standard") -> str:
        """Items joined as a sentence joins them ("a, b and c" / "a, b și c")."""
        items = [str(i) for i in items]
        if not items:
            return ""
        return format_list(items, style=style, locale=self.locale)

    def datetime(self, when: dt.datetime) -> str:
        """A date and time as the language writes them (28 November 2026, 01:05)."""
        return format_datetime(when, format=self.text("format.datetime"), locale=self.locale)


@lru_cache(maxsize=None)
def catalogue(lang: str = "en") -> Catalogue:
    """The (shared, read-only) catalogue of ``lang``."""
    return Catalogue(lang)
