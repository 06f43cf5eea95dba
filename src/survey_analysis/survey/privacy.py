"""What identifies a member, and how it is kept out of every output.

Headers of identifying questions (e-mail, names, phone, organisation) in
English and Romanian; the contact details members type into free text
(masked before any report shows the text); the key that tells two
submissions of the same member apart; keyed pseudonyms for linking answers
across years without keeping e-mails.
"""

from __future__ import annotations

import hashlib
import hmac
import re

import pandas as pd

from ..codebook import Codebook, normalise_text
from ..errors import CodebookError


# Headers of questions whose answers identify a person or an organisation.
IDENTIFYING_HEADER = re.compile(
    r"^(your |full |first |last |contact |family |given )?(e-?mail|e-?mail address|adres[aă] de e-?mail|name|names|"
    r"surname|nume(le)?|prenume(le)?|numele [sș]i prenumele|nume [sș]i prenume|name and surname|phone|phone number|"
    r"telephone|telefon|mobile|mobil|ip address|username|user name|phonenumber|company|organi[sz]ation|"
    r"organiza[tț]i[ae]|institution|institu[tț]ia|compania|firma)( \((optional|op[tț]ional)\))?\??:?$"
    r"|\b(e-?mail address|adres[aă] de e-?mail|organi[sz]ation name|name of (your |the )?(organi[sz]ation|company|"
    r"institution)|denumirea (organiza[tț]iei|institu[tț]iei|companiei|firmei)|company name|institution name|"
    r"phone number|num[aă]r(ul)? de telefon|contact person|persoan[aă] de contact)\b",
    re.IGNORECASE,
)
CONTACT_PATTERNS = [
    (re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+"), "[e-mail]"),
    (re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])"), "[IP address]"),
    (re.compile(r"(?<!\w)(?:\+|00)?\d[\d ()./-]{7,}\d(?!\w)"), "[phone]"),
]
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def mask_contacts(texts: pd.Series) -> pd.Series:
    """Free text with e-mail addresses, IP addresses and phone numbers masked.

    Members sometimes type their contact details into an open answer; reports
    show the answer with ``[e-mail]``, ``[IP address]`` and ``[phone]`` in their
    place.  Returns a new Series; the input is not modified.
    """
    def mask(value):
        if not isinstance(value, str):
            return value
        for pattern, replacement in CONTACT_PATTERNS:
            value = pattern.sub(replacement, value)
        return value

    return texts.map(mask).astype(texts.dtype)


_ORGANISATION_HEADER = re.compile(r"organi[sz]|denumire|company|institu", re.I)


def contact_key(identifiers: pd.DataFrame, codebook: Codebook, *,
                skip_anonymous: bool = True) -> tuple[str, str] | tuple[None, None]:
    """The identifying column that tells members apart, and what it holds.

    The e-mail column (a column whose values are mostly e-mail addresses) when
    there is one, else the organisation name (the question with role
    ``organisation``, or a header that names an organisation).  Returns
    ``(column, "e-mail" | "organisation")``, or ``(None, None)``.  With
    ``skip_anonymous`` an e-mail column that holds Microsoft Forms'
    ``anonymous`` marker does not count.
    """
    for column in identifiers.columns:
        values = identifiers[column].dropna().astype(str)
        if len(values) and values.str.contains("@").mean() > 0.8 and \
                not (skip_anonymous and values.str.lower().eq("anonymous").any()):
            return column, "e-mail"
    for column in identifiers.columns:
        question = codebook.questions.get(column)
        if (question is not None and question.role == "organisation") or _ORGANISATION_HEADER.search(str(column)):
            return column, "organisation"
    return None, None


def pseudonymise(identifiers: pd.DataFrame, codebook: Codebook, index: pd.Index, key: str | bytes) -> pd.Series:
    """HMAC-SHA256 of each respondent's e-mail (else organisation name), keyed by ``key``.

    See :meth:`survey_analysis.survey.model.Survey.pseudonyms`.
    """
    if not key:
        raise CodebookError("a pseudonym key is needed", hint="pass a secret key kept outside the outputs.")
    secret = key.encode("utf-8") if isinstance(key, str) else bytes(key)
    column, _ = contact_key(identifiers, codebook, skip_anonymous=False)
    if column is None:
        return pd.Series(pd.NA, index=index, dtype="string", name="pseudonym")
    out = [None if pd.isna(v) else hmac.new(secret, normalise_text(v).encode("utf-8"), hashlib.sha256).hexdigest()[:20]
           for v in identifiers[column].reindex(index)]
    return pd.Series(out, index=index, dtype="string", name="pseudonym")
