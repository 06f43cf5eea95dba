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
import unicodedata

import pandas as pd

from ..codebook import Codebook, normalise_text
from ..errors import AnalysisInputError


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
#: What each kind of contact detail becomes in masked text; nothing of the detail remains.
MASK_TOKENS = {"e-mail": "[e-mail]", "IP address": "[IP address]", "phone": "[phone]"}

# Separators as members type them: Unicode spaces (no-break, thin, narrow), dashes, full-width signs.
_SPACE = "[ \t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]"
_DASH = "[-\u2010-\u2015\u2212\ufe63\uff0d]"
_AT_SIGN = "[@\uff20\ufe6b]"
_LOCAL = r"(?<![\w.+\-])[\w.+\-]+"  # starts where a run of such characters starts: linear time on long words
_DOMAIN = r"[\w\-]+(?:\.[\w\-]+)*\.[^\W\d_]{2,24}"
_EMAIL = re.compile(rf"{_LOCAL}{_SPACE}?{_AT_SIGN}{_SPACE}?{_DOMAIN}(?![\w\-])")
# Spelled out to dodge harvesters: name [at] domain [dot] ro, name(at)domain(dot)ro, name AT domain DOT ro.
# The bare word "at" counts only after a name with a dot, underscore or digit in it ("ion.popa at ..."),
# which :func:`_mask_spelled` checks.
_AT_WORD = r"(?:\s*[\[(]\s*at\s*[\])]\s*)"
_DOT_WORD = r"(?:\s*[\[(]\s*dot\s*[\])]\s*|\s+dot\s+|\.)"
_EMAIL_SPELLED = re.compile(
    rf"({_LOCAL})(?:{_AT_WORD}|(\s+at\s+))[\w\-]+(?:{_DOT_WORD}[\w\-]+)*?{_DOT_WORD}[^\W\d_]{{2,24}}\b",
    re.IGNORECASE)
_NAME_LIKE = re.compile(r"[._\d]")
_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
_IPV4 = rf"{_OCTET}(?:\.{_OCTET}){{3}}"
_IPV4_ADDRESS = re.compile(rf"(?<![\w.]){_IPV4}(?::\d{{1,5}})?(?!\w|\.\d)", re.ASCII)
_IPV6_CORE = rf"(?:[0-9A-Fa-f]{{0,4}}:){{2,7}}(?:{_IPV4}|[0-9A-Fa-f]{{1,4}})?(?:%\w+)?"
_IPV6_ADDRESS = re.compile(rf"\[{_IPV6_CORE}\](?::\d{{1,5}})?|(?<![\w:.]){_IPV6_CORE}(?![\w:])")
# Four dotted numbers after "version" are a version (4.2.0.17), not an address.
_VERSION_BEFORE = re.compile(r"(?:version|versiunea|versiune|vers\.|ver\.|firmware|release|rev\.?|\bv)\s*$", re.I)
_PLUS = "[+\uff0b]"
_JOIN = rf"(?:{_SPACE}?\({_SPACE}?|{_SPACE}?\){_SPACE}?|{_SPACE}|\.|/|{_DASH})"
# Digit groups joined by one separator each; not inside a word, a decimal number or a code (PN-2019-0745).
_PHONE_RUN = re.compile(rf"(?<![\w.+\uff0b/\-\u2010-\u2015])(?:\({_SPACE}?)?(?:{_PLUS}{_SPACE}?)?"
                        rf"(?:\({_SPACE}?)?\d+(?:{_JOIN}\d+)*\)?")
_GROUP = re.compile(r"\d+")
_EXTENSION = re.compile(
    rf",?{_SPACE}*(?:int\.?|interior|interiorul|ext\.?|extension|extensia|tasta){_SPACE}*\d{{1,6}}(?!\d)",
    re.IGNORECASE)


def _digits(text: str) -> str:
    return "".join(str(unicodedata.digit(ch)) for ch in text if ch.isdigit())


def _is_phone(span: str) -> bool:
    """Whether digits as written form a phone number: international (+ or 00) or national (0, 10-11 digits)."""
    digits = _digits(span)
    if re.match(rf"\(?{_SPACE}?{_PLUS}", span):
        return 8 <= len(digits) <= 15
    if digits.startswith("00"):
        return 10 <= len(digits) <= 15
    return digits.startswith("0") and len(digits) in (10, 11)


def _phones_in(run: str) -> tuple[str, bool]:
    """A run of digit groups with its phone numbers masked (longest first); whether its end was masked."""
    groups = [(m.start(), m.end()) for m in _GROUP.finditer(run)]
    counts = [0]
    for first, last in groups:
        counts.append(counts[-1] + last - first)
    pieces, position, i = [], 0, 0
    while i < len(groups):
        start = groups[i][0] if i else 0
        international = any(ch in "+\uff0b" for ch in run[start:groups[i][0]])
        if not international and unicodedata.digit(run[groups[i][0]]) != 0:
            i += 1  # a phone number starts with +, 00 or 0
            continue
        # A phone number has at most eight groups and fifteen digits: longer spans are never tried.
        for j in range(min(len(groups) - 1, i + 7), i - 1, -1):
            if counts[j + 1] - counts[i] > 15:
                continue
            stop = groups[j][1] if j < len(groups) - 1 else len(run)
            if _is_phone(run[start:stop]):
                pieces.append(run[position:start] + MASK_TOKENS["phone"])
                position, i = stop, j + 1
                break
        else:
            i += 1
    return "".join(pieces) + run[position:], bool(pieces) and position == len(run)


def _mask_spelled(match: re.Match) -> str:
    if match.group(2) is not None and not _NAME_LIKE.search(match.group(1)):
        return match.group()  # "look at example.com": a bare "at" after a plain word is English, not an address
    return MASK_TOKENS["e-mail"]


def _mask_ipv4(match: re.Match) -> str:
    if _VERSION_BEFORE.search(match.string[max(match.start() - 12, 0):match.start()]):
        return match.group()
    return MASK_TOKENS["IP address"]


def _mask_ipv6(match: re.Match) -> str:
    core = match.group().lstrip("[").split("]")[0].split("%")[0]
    # Times (09:30:00) have colons too: an address has "::" or its eight groups.
    return MASK_TOKENS["IP address"] if "::" in core or core.count(":") >= 6 else match.group()


def mask_text(text: str) -> str:
    """One text with its e-mail addresses, IP addresses and phone numbers masked (see :func:`mask_contacts`)."""
    text = _EMAIL.sub(MASK_TOKENS["e-mail"], text)
    text = _EMAIL_SPELLED.sub(_mask_spelled, text)
    text = _IPV6_ADDRESS.sub(_mask_ipv6, text)
    text = _IPV4_ADDRESS.sub(_mask_ipv4, text)
    out, position = [], 0
    for match in _PHONE_RUN.finditer(text):
        if match.start() < position:
            continue
        masked, to_end = _phones_in(match.group())
        out.append(text[position:match.start()] + masked)
        position = match.end()
        extension = _EXTENSION.match(text, position) if to_end else None
        if extension:  # an extension belongs to the number it follows
            position = extension.end()
    out.append(text[position:])
    return "".join(out)


EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def mask_contacts(texts: pd.Series) -> pd.Series:
    """Free text with e-mail addresses, IP addresses and phone numbers masked.

    Members sometimes type their contact details into an open answer; reports
    show the answer with ``[e-mail]``, ``[IP address]`` and ``[phone]``
    (the values of :data:`MASK_TOKENS`) in their place, and no digit or
    letter of the detail is left.  What is recognised, in the forms members
    type it (any Unicode space, dash, full-width digit or sign):

    * e-mail addresses, international ones included, and those spelled out to
      dodge harvesters (``name [at] domain [dot] ro``, ``name(at)domain.ro``);
    * IPv4 addresses with their port (``192.168.1.50:8042``; a ``/24`` prefix
      length is not part of the address) and IPv6 addresses in any of their
      forms (compressed, IPv4-mapped, with a zone, in brackets with a port);
      four dotted numbers after "version" are a version, not an address;
    * phone numbers: international (``+`` or ``00``, 8 to 15 digits) and
      national (a leading 0 and 10 or 11 digits), with spaces, dots, dashes,
      slashes or parentheses between the groups, and an extension that follows
      (``int. 2417``, ``interior 125``).  A label before the number ("tel.")
      stays.  Dates, times, amounts, codes and identifiers (``12.12.2018``,
      ``150.000 lei``, ``CUI 31245678``, ``ISBN 978-...``) are not phone numbers.

    Returns a new Series; the input is not modified.  The formats are tested
    on the corpus in ``tests/data/masking/``.
    """
    def mask(value):
        return mask_text(value) if isinstance(value, str) else value

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


#: Fewest characters (or bytes) a pseudonym key may have: shorter keys can be guessed, and then anyone
#: holding the e-mail addresses could recompute the pseudonyms.
MIN_KEY_LENGTH = 16


def pseudonym_secret(key) -> bytes:
    """The key's bytes, after checking it is text or bytes of at least :data:`MIN_KEY_LENGTH`.

    Raises :class:`AnalysisInputError` for anything else (a number, ``True``,
    a short word): such keys would give pseudonyms anyone can recompute.
    """
    if isinstance(key, str):
        secret = key.encode("utf-8")
        length = len(key.strip())
    elif isinstance(key, (bytes, bytearray, memoryview)):
        secret = bytes(key)
        length = len(secret)
    else:
        raise AnalysisInputError(
            f"a pseudonym key must be text or bytes, got {type(key).__name__}",
            hint=_KEY_HINT)
    if length < MIN_KEY_LENGTH or len(set(secret)) < 4:
        raise AnalysisInputError(
            f"a pseudonym key must hold at least {MIN_KEY_LENGTH} characters of which several differ; "
            f"this one has {length}",
            hint=_KEY_HINT)
    return secret


_KEY_HINT = ("Make a key once with: python -c \"import secrets; print(secrets.token_urlsafe(32))\", keep it "
             "outside the project folder and the outputs (a password manager, an environment variable), and pass "
             "the same key every year so that pseudonyms stay comparable.")


def pseudonymise(identifiers: pd.DataFrame, codebook: Codebook, index: pd.Index, key: str | bytes) -> pd.Series:
    """HMAC-SHA256 of each respondent's e-mail (else organisation name), keyed by ``key``.

    See :meth:`survey_analysis.survey.model.Survey.pseudonyms`.
    """
    secret = pseudonym_secret(key)
    column, _ = contact_key(identifiers, codebook, skip_anonymous=False)
    if column is None:
        return pd.Series(pd.NA, index=index, dtype="string", name="pseudonym")
    out = [None if pd.isna(v) else hmac.new(secret, normalise_text(v).encode("utf-8"), hashlib.sha256).hexdigest()[:20]
           for v in identifiers[column].reindex(index)]
    return pd.Series(out, index=index, dtype="string", name="pseudonym")


# --------------------------------------------------------------- values that may identify someone

_TITLED_NAME = re.compile(
    r"\b(?:[Dd]r|[Pp]rof|[Cc]onf|[Ll]ect|[Aa]sist|[Ii]ng|[Dd]l|[Dd]na|[Dd]-na|[Dd]-l|[Dd]omnul|[Dd]oamna|"
    r"[Mm]r|[Mm]rs|[Mm]s)\.?\s+[A-ZĂÂÎȘȚŞŢ][\w\-']+")
_NAME_WORD = re.compile(r"[^\W\d_]{3,}")
_LOCAL_PART = re.compile(r"[._\-+]")


def fold(text: str) -> str:
    """Text as names are compared: case, diacritics and spacing ignored ("Ştefan  IONESCU" ~ "stefan ionescu")."""
    decomposed = unicodedata.normalize("NFKD", normalise_text(text))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


class IdentityTerms:
    """The names and identifying answers of one survey (and its register), to recognise in other text.

    Person names count word by word (a surname alone identifies); e-mail
    addresses count whole, and their local part word by word when it is
    written like a name (``ion.popescu``); organisation names and other
    identifying answers count whole, as a run of words.  :meth:`reason` also
    recognises contact details (:func:`mask_text`) and a title before a
    capitalised name ("Dr. Popescu").  Looking a text up costs a few set
    lookups per word, however many members there are.
    """

    def __init__(self) -> None:
        self.words: set[str] = set()
        self.phrases: set[str] = set()
        self._longest = 1

    def add_people(self, names) -> "IdentityTerms":
        for name in names:
            if isinstance(name, str):
                self.words.update(_NAME_WORD.findall(fold(name)))
        return self

    def add_emails(self, addresses) -> "IdentityTerms":
        for address in addresses:
            if isinstance(address, str) and "@" in address:
                local = address.split("@", 1)[0]
                if _LOCAL_PART.search(local):  # first.last: the words are a name
                    self.words.update(_NAME_WORD.findall(fold(_LOCAL_PART.sub(" ", local))))
        return self  # the address itself is a contact detail: mask_text recognises it

    def add_phrases(self, values) -> "IdentityTerms":
        for value in values:
            if isinstance(value, str) and len(value.strip()) >= 4:
                words = _PHRASE_WORD.findall(fold(value))
                if words:
                    self.phrases.add(" ".join(words))
                    self._longest = max(self._longest, len(words))
        return self

    def add_identifiers(self, identifiers: pd.DataFrame, codebook: Codebook | None = None) -> "IdentityTerms":
        """Take the identifying columns of a survey: e-mails, organisation names, person names."""
        for column in identifiers.columns:
            values = pd.unique(identifiers[column].dropna().astype(str))
            question = codebook.questions.get(column) if codebook is not None else None
            header = fold(" ".join(str(t) for t in (question.text.values() if question is not None and
                                                    isinstance(question.text, dict) else [column])))
            if len(values) and sum("@" in v for v in values) > 0.5 * len(values):
                self.add_emails(values)
            elif (question is not None and question.role == "organisation") or _ORGANISATION_HEADER.search(header):
                self.add_phrases(values)
            else:
                self.add_people(values)
                self.add_phrases(values)
        return self

    def reason(self, text) -> str | None:
        """Why ``text`` may identify someone ("contact details", "a name", "an identifying answer"), or None."""
        if text is None:
            return None
        text = str(text)
        if not text.strip():
            return None
        if mask_text(text) != text:
            return "contact details"
        folded = fold(text)
        words = _PHRASE_WORD.findall(folded)
        for size in range(1, min(self._longest, len(words)) + 1):
            if any(" ".join(words[i:i + size]) in self.phrases for i in range(len(words) - size + 1)):
                return "an identifying answer"
        if self.words.intersection(_NAME_WORD.findall(folded)) or _TITLED_NAME.search(text):
            return "a name"
        return None


_PHRASE_WORD = re.compile(r"\w+")


def withhold_identifying(problems: list[dict], terms: IdentityTerms) -> int:
    """Replace, in problem records, every value (and its mention in the message) that may identify someone.

    The record keeps its sheet, row and column, so the analyst can look the
    value up in the export; reports and files show "(withheld: ...)".
    Returns how many values were withheld.
    """
    withheld = 0
    for problem in problems:
        value = problem.get("value")
        if isinstance(value, str) and value.startswith("(withheld"):
            continue
        reason = terms.reason(value) if value is not None else None
        message = str(problem.get("message") or "")
        if reason is None:
            if terms.reason(message) is not None:
                problem["message"] = _neutral_message(problem)
            continue
        problem["value"] = f"(withheld: {reason})"
        text = str(value)
        message = message.replace(repr(text), "(withheld)").replace(text, "(withheld)")
        problem["message"] = message if terms.reason(message) is None else _neutral_message(problem)
        withheld += 1
    return withheld


def _neutral_message(problem: dict) -> str:
    where = ", ".join(f"{key} {problem[key]}" for key in ("sheet", "row", "column") if problem.get(key) is not None)
    kind = str(problem.get("kind") or "problem").replace("_", " ")
    return (f"{kind} ({where}): the value is withheld here because it may identify someone; look it up "
            "in the export itself.")


def register_names(path, *, limits=None) -> list[str]:
    """The contact names, e-mails and phones a membership register holds, to withhold them from reports.

    Reads the register's identifying columns (headers such as "Contact
    person", "Nume", "E-mail", "Telefon"); the organisation names are not
    among them, being the register's subject, not a person.
    """
    from ..readers import read_raw

    raw = read_raw(path, limits=limits)
    header = next((row for row in raw.rows if any(v is not None for v in row)), [])
    columns = [j for j, title in enumerate(header) if title is not None and
               IDENTIFYING_HEADER.search(normalise_text(title)) and not _ORGANISATION_HEADER.search(str(title))]
    start = raw.rows.index(header) + 1 if header else 0
    return [str(row[j]) for row in raw.rows[start:] for j in columns if j < len(row) and row[j] is not None]
