"""The bundled sample: a synthetic member survey with planted structure.

``survey-analysis sample --out data/sample`` writes the same responses twice, as
a Google Forms xlsx and as a Microsoft Forms xlsx, following the questionnaire in
``data/codebook.yml``, plus ``truth.csv`` with what was planted: each
respondent's segment and each free-text answer's direction (or ``outside``) and
project idea (``SD1-2``: the second idea of SD1).
Later stages are measured against that truth.

What is planted
---------------
* About 150 member organisations in three segments with distinct priority
  profiles (``research``: SD1 and SD3; ``network``: SD2 and SD5; ``policy``:
  SD4).  Over all members, mean support orders the directions
  SD1 > SD3 > SD2 > SD5 > SD4.
* Member category depends on the segment (universities lean to research,
  public providers to policy, private providers and "other" to networking).
* About 40% answer in Romanian; a few type the Romanian labels with the
  legacy cedilla letters (ş, ţ) or with stray spaces and other capitalisation.
* Free-text proposals: 28 ideas (four to six per direction, four outside
  all five), each written three ways in English and three in Romanian, so that
  the same idea comes in varied words and in both languages.
* Quirks of real exports: one member submits twice (the later submission is
  the one to keep), one response is incomplete, blank rows follow the data,
  free text in both languages, and identifying answers (organisation name,
  e-mail, contact name) that must never reach a report.

The generator is deterministic: the same seed gives the same data.  (The xlsx
files carry a creation time in their properties, so compare the data read back,
not the bytes.)
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .codebook import Codebook, read_codebook

__all__ = ["SEGMENTS", "PLANTED_ORDER", "SampleSurvey", "make_sample", "write_sample"]

#: Mean support (1-5) of each direction in each planted segment, and its share.
SEGMENTS: dict[str, dict] = {
    "research": {"share": 0.45, "means": {"SD1": 4.6, "SD2": 3.3, "SD3": 4.5, "SD4": 2.3, "SD5": 2.6}},
    "network": {"share": 0.30, "means": {"SD1": 3.2, "SD2": 4.6, "SD3": 3.4, "SD4": 2.4, "SD5": 4.5}},
    "policy": {"share": 0.25, "means": {"SD1": 3.9, "SD2": 2.9, "SD3": 3.0, "SD4": 4.7, "SD5": 2.8}},
}

#: The order of the directions by mean support that the sample plants.
PLANTED_ORDER = ["SD1", "SD3", "SD2", "SD5", "SD4"]

_CATEGORY_BY_SEGMENT = {
    "research": {"university": 0.55, "medtech": 0.25, "private_provider": 0.10, "public_provider": 0.05, "other": 0.05},
    "network": {"private_provider": 0.40, "other": 0.25, "medtech": 0.20, "university": 0.10, "public_provider": 0.05},
    "policy": {"public_provider": 0.55, "private_provider": 0.15, "other": 0.15, "university": 0.10, "medtech": 0.05},
}

_SIZE = {"micro": 0.2, "small": 0.35, "medium": 0.3, "large": 0.15}
_REGION = {"north_east": 0.45, "bucharest": 0.25, "north_west": 0.2, "other": 0.1}

# Free-text proposals the sample draws from, by true direction: each direction holds a few
# project ideas, and each idea is written in several ways in each language (paraphrases, not
# translations), so that grouping is shown on varied wording.  Written for the sample only; the
# labelled proposals used to measure the text stage live in data/proposals/ and data/portfolio/.
_PROPOSALS: dict[str, list[dict[str, list[str]]]] = {
    "SD1": [
        {"en": ["a joint project on AI-assisted reading of chest CT scans",
                "machine learning software that flags lung nodules on chest CT",
                "an artificial intelligence tool to help radiologists read thoracic CT"],
         "ro": ["un proiect comun de cercetare privind analiza automată a imaginilor CT",
                "un algoritm de inteligență artificială care semnalează nodulii pe CT toracic",
                "software cu IA care ajută radiologii la citirea CT-urilor pulmonare"]},
        {"en": ["a shared database of anonymised MRI studies for algorithm development",
                "an image bank of de-identified scans from member hospitals for research",
                "pooling anonymised imaging data from our archives into one research repository"],
         "ro": ["o bază de date comună cu imagini RMN anonimizate pentru dezvoltarea de algoritmi",
                "o bancă de imagini anonimizate din spitalele membre, pentru cercetare",
                "o arhivă comună de examinări anonimizate pe care să lucreze cercetătorii"]},
        {"en": ["a consortium application to Horizon 2020 on molecular imaging",
                "help to prepare joint grant applications for H2020 and Interreg calls",
                "a grants office that writes EU funding applications for the members"],
         "ro": ["depunerea unei cereri de finanțare în consorțiu pentru imagistica moleculară",
                "un birou comun care să scrie proiecte pe fonduri europene (H2020, Interreg)",
                "consorții ale membrilor pentru apelurile de finanțare Orizont 2020"]},
        {"en": ["developing a low-cost ultrasound prototype with the university",
                "a prototyping lab with 3D printing where start-ups build medical devices",
                "an incubator for medtech start-ups and university spin-offs"],
         "ro": ["dezvoltarea unui prototip de ecograf ieftin împreună cu universitatea",
                "un laborator de prototipare cu imprimare 3D pentru firmele mici de dispozitive medicale",
                "un incubator pentru start-up-uri și spin-off-uri de tehnologie medicală"]},
        {"en": ["validation studies of new PET tracers across member hospitals",
                "a shared cyclotron producing PET tracers for the region",
                "local production of radiopharmaceuticals for nuclear medicine"],
         "ro": ["studii de validare a noilor trasori PET în spitalele membre",
                "un ciclotron comun care să producă radiotrasori pentru regiune",
                "producția locală de radiofarmaceutice pentru medicina nucleară"]},
        {"en": ["a common service offering image analysis to smaller clinics",
                "teleradiology so that small hospitals get their scans reported remotely",
                "a remote reading network for night shifts in county hospitals"],
         "ro": ["un serviciu comun de analiză a imaginilor pentru clinicile mici",
                "o rețea de teleradiologie pentru spitalele mici din județ",
                "citire la distanță a examinărilor pentru spitalele fără radiolog de gardă noaptea"]},
    ],
    "SD2": [
        {"en": ["bring more private clinics from Moldova region into the cluster",
                "recruit new members among private imaging centres",
                "attract more private providers to join the cluster"],
         "ro": ["atragerea mai multor clinici private din regiunea Moldovei în cluster",
                "recrutarea de membri noi dintre centrele private de imagistică",
                "aderarea mai multor furnizori privați la cluster"]},
        {"en": ["regular meetings where members present what they can offer each other",
                "matchmaking meetings between members twice a year",
                "networking events where members meet and find partners"],
         "ro": ["întâlniri regulate în care membrii își prezintă ofertele unii altora",
                "întâlniri de tip matchmaking între membri de două ori pe an",
                "evenimente de relaționare în care membrii își găsesc parteneri"]},
        {"en": ["a directory of members with their equipment and expertise",
                "an online catalogue of what each member can do",
                "a database of members' skills and infrastructure"],
         "ro": ["un catalog al membrilor cu echipamentele și expertiza lor",
                "o bază de date a membrilor cu competențele și infrastructura lor",
                "un catalog online cu ce poate face fiecare membru"]},
        {"en": ["invite medical device start-ups to join",
                "open the cluster to medtech companies from other regions",
                "attract more medical technology firms as members"],
         "ro": ["invitarea start-up-urilor de dispozitive medicale să adere",
                "atragerea companiilor de tehnologie medicală din alte regiuni",
                "mai multe firme de tehnologie medicală ca membri"]},
        {"en": ["better internal communication between member organisations",
                "a monthly internal newsletter so members know what the others do",
                "clearer communication from the secretariat to the members"],
         "ro": ["o comunicare internă mai bună între organizațiile membre",
                "o informare lunară a membrilor despre ce fac ceilalți",
                "o comunicare mai clară a secretariatului cu membrii"]},
    ],
    "SD3": [
        {"en": ["hands-on courses in cardiac MRI for radiographers",
                "practical MRI training for technicians with CME credits",
                "accredited hands-on CT and MRI courses for radiology staff"],
         "ro": ["cursuri practice de RMN cardiac pentru tehnicienii radiologi",
                "instruire practică în RMN pentru asistenții de radiologie, cu credite EMC",
                "cursuri acreditate de CT și RMN pentru personalul de radiologie"]},
        {"en": ["exchange visits to imaging departments in other EU countries",
                "a scheme for our radiographers to spend a week in a university department",
                "experience exchange visits between member hospitals"],
         "ro": ["vizite de schimb de experiență la departamente de imagistică din alte țări UE",
                "stagii de o săptămână pentru tehnicieni într-un departament universitar",
                "vizite de schimb de experiență între spitalele membre"]},
        {"en": ["monthly webinars on new imaging techniques for residents",
                "online seminars for residents on new protocols",
                "a webinar series for young radiologists"],
         "ro": ["webinarii lunare despre tehnici noi de imagistică pentru rezidenți",
                "seminarii online pentru rezidenți despre protocoale noi",
                "o serie de webinarii pentru medicii rezidenți"]},
        {"en": ["training on radiation dose optimisation for technicians",
                "radiation protection courses for staff in interventional radiology",
                "teaching technicians how to lower patient doses on CT"],
         "ro": ["instruire privind optimizarea dozei de radiații pentru personal",
                "cursuri de radioprotecție pentru personalul din radiologia intervențională",
                "instruirea tehnicienilor pentru reducerea dozei la CT"]},
        {"en": ["a summer school on medical image processing",
                "an ultrasound simulator lab for residents",
                "simulation training for residents before they scan patients"],
         "ro": ["o școală de vară de procesare a imaginilor medicale",
                "un laborator de simulare ecografică pentru rezidenți",
                "instruire pe simulatoare pentru rezidenți înainte de lucrul cu pacienții"]},
    ],
    "SD4": [
        {"en": ["push the ministry to update reimbursement of PET-CT examinations",
                "lobby the health insurance house for better tariffs for MRI",
                "ask the authorities to reimburse more imaging investigations"],
         "ro": ["demersuri la minister pentru actualizarea decontării investigațiilor PET-CT",
                "lobby la casa de asigurări pentru tarife mai bune la RMN",
                "solicitarea către autorități a decontării mai multor investigații imagistice"]},
        {"en": ["a position paper on the national cancer screening programme",
                "a joint position on the national screening programme for breast cancer",
                "policy proposals for a population screening programme"],
         "ro": ["un document de poziție privind programul național de screening oncologic",
                "o poziție comună despre programul național de screening pentru cancerul de sân",
                "propuneri de politici pentru un program de screening populațional"]},
        {"en": ["represent members in the public consultation on medical device regulation",
                "a common voice in consultations on new legislation",
                "comments from the cluster on draft laws about medical devices"],
         "ro": ["reprezentarea membrilor în consultarea publică privind reglementarea dispozitivelor medicale",
                "o voce comună în consultările despre legislația nouă",
                "observații ale clusterului la proiectele de lege despre dispozitive medicale"]},
        {"en": ["advocate for faster approval of new imaging equipment purchases in public hospitals",
                "lobby for simpler public procurement rules for scanners",
                "ask the government to speed up equipment procurement in public hospitals"],
         "ro": ["susținerea unor proceduri mai rapide de achiziție a echipamentelor în spitalele publice",
                "lobby pentru reguli mai simple de achiziție publică a aparaturii",
                "demersuri la guvern pentru achiziții mai rapide de echipamente în spitalele publice"]},
    ],
    "SD5": [
        {"en": ["a common stand at the MEDICA fair in Düsseldorf",
                "joint participation in international medical fairs",
                "a shared booth at trade fairs abroad"],
         "ro": ["un stand comun la târgul MEDICA de la Düsseldorf",
                "participarea comună la târguri medicale internaționale",
                "un stand comun la expoziții din străinătate"]},
        {"en": ["a professional website and newsletter for the cluster",
                "a better website with news about the cluster",
                "an active website and social media pages"],
         "ro": ["un site profesionist și un newsletter al clusterului",
                "un site mai bun cu noutăți despre cluster",
                "un site activ și pagini pe rețelele sociale"]},
        {"en": ["a recognisable cluster logo that members can use",
                "a common brand members can put on their materials",
                "a clear visual identity for the cluster"],
         "ro": ["un logo al clusterului recunoscut pe care membrii să îl poată folosi",
                "un brand comun pe care membrii să-l folosească în materialele lor",
                "o identitate vizuală clară a clusterului"]},
        {"en": ["press releases about members' achievements",
                "media coverage of successful projects",
                "articles in the press about what members do"],
         "ro": ["comunicate de presă despre realizările membrilor",
                "apariții în presă despre proiectele reușite",
                "articole în media despre activitatea membrilor"]},
    ],
    "outside": [
        {"en": ["reducing the energy consumption of our hospital buildings",
                "solar panels on hospital roofs to cut the energy bill",
                "lower electricity costs for the imaging departments"],
         "ro": ["reducerea consumului de energie al clădirilor spitalului",
                "panouri solare pe acoperișul spitalului pentru o factură mai mică",
                "costuri mai mici cu electricitatea în secțiile de imagistică"]},
        {"en": ["more parking places near the county hospital",
                "parking for patients who come for scans",
                "a car park for staff and visitors"],
         "ro": ["mai multe locuri de parcare lângă spitalul județean",
                "parcare pentru pacienții care vin la investigații",
                "o parcare pentru personal și vizitatori"]},
        {"en": ["imaging services for veterinary clinics",
                "MRI scans for animals from veterinary practices",
                "offering CT to vets for horses and pets"],
         "ro": ["servicii de imagistică pentru clinicile veterinare",
                "examinări RMN pentru animale de la cabinetele veterinare",
                "CT pentru medicii veterinari, pentru cai și animale de companie"]},
        {"en": ["salary increases for young doctors",
                "better pay for radiographers",
                "higher wages for imaging staff"],
         "ro": ["creșterea salariilor medicilor tineri",
                "salarii mai bune pentru tehnicienii radiologi",
                "salarii mai mari pentru personalul din imagistică"]},
    ],
}

_PREFIX = {
    "en": ["", "We suggest ", "I would propose ", "The cluster could consider ", "Perhaps "],
    "ro": ["", "Propunem ", "Ar fi util ", "Sugerez ", "Clusterul ar putea avea în vedere "],
}
# English proposals that open with a verb ("recruit new members ...") take openings that a verb can follow.
_VERB_PREFIX = ["", "We suggest that the cluster ", "I would propose that we ", "The cluster could ",
                "Perhaps we could "]
_BARE_VERBS = frozenset({"advocate", "ask", "attract", "bring", "exchange", "help", "invite", "lobby", "open",
                         "push", "recruit", "represent"})

_ORG_FORMS = {
    "university": ["University of Medicine {city}", "Institute of Biomedical Research {city}", "Technical University {city}"],
    "public_provider": ["County Emergency Hospital {city}", "Regional Oncology Institute {city}", "Municipal Hospital {city}"],
    "private_provider": ["Imaging Clinic {name} SRL", "Diagnostic Centre {name}", "MedScan {name} SRL"],
    "medtech": ["{name} Medical Devices SA", "{name} Imaging Software SRL", "{name} Biotech SRL"],
    "other": ["Association {name}", "{name} Consulting SRL", "Foundation {name}"],
}
_CITIES = ["Iași", "Cluj-Napoca", "București", "Suceava", "Bacău", "Piatra Neamț", "Botoșani", "Vaslui", "Timișoara", "Galați"]
_NAMES = ["Alfa", "Nova", "Orion", "Delta", "Vega", "Lyra", "Carpat", "Prut", "Siret", "Ceahlău", "Bistrița", "Tisa",
          "Mureș", "Olt", "Argeș", "Dacia", "Aurora", "Zenit", "Helix", "Quanta"]
_PEOPLE = ["Ana Popescu", "Mihai Ionescu", "Elena Rusu", "Andrei Ciobanu", "Ioana Munteanu", "Radu Lungu",
           "Maria Stan", "Vlad Tudor", "Cristina Moraru", "Bogdan Matei", "Alina Dumitru", "Sorin Neagu"]


@dataclass
class SampleSurvey:
    """The generated sample, before it is written out in the tools' layouts.

    ``answers`` holds one dict per submission with question id -> answer in the
    respondent's language (labels, not codes); ``truth`` one dict per submission.
    """

    answers: list[dict]
    truth: list[dict]
    codebook: Codebook


def _pick(rng: np.random.Generator, weights: dict[str, float]) -> str:
    keys = list(weights)
    probs = np.array([weights[k] for k in keys], dtype=float)
    return keys[int(rng.choice(len(keys), p=probs / probs.sum()))]


def _to_cedilla(text: str) -> str:
    return text.replace("ș", "ş").replace("ț", "ţ").replace("Ș", "Ş").replace("Ț", "Ţ")


def make_sample(n_members: int = 150, *, seed: int = 2018, codebook: Codebook | str | Path | None = None) -> SampleSurvey:
    """Generate the sample responses with planted segments and text directions.

    Parameters
    ----------
    n_members : int
        Member organisations that answer (one extra duplicate submission and
        one incomplete response are added on top).
    seed : int
        Seed of the generator; the same seed gives the same sample.
    codebook : Codebook or path, optional
        The questionnaire; the bundled one by default.
    """
    cb = read_codebook(codebook)
    rng = np.random.default_rng(seed)
    wording_rng = np.random.default_rng([seed, 1])
    q = cb.questions
    likert_ids = cb.likert_items()
    item_offset = {item: float(rng.normal(0, 0.15)) for item in likert_ids}
    segment_names = list(SEGMENTS)
    shares = np.array([SEGMENTS[s]["share"] for s in segment_names])
    counts = np.floor(shares * n_members).astype(int)
    counts[0] += n_members - counts.sum()
    segments = [s for s, c in zip(segment_names, counts) for _ in range(c)]
    rng.shuffle(segments)

    start = dt.datetime(2019, 1, 14, 9, 0, 0)
    answers: list[dict] = []
    truth: list[dict] = []
    used_orgs: set[str] = set()
    for i, segment in enumerate(segments):
        lang = "ro" if rng.random() < 0.4 else "en"
        cedilla = lang == "ro" and rng.random() < 0.25
        sloppy = rng.random() < 0.08
        category = _pick(rng, _CATEGORY_BY_SEGMENT[segment])
        size = _pick(rng, _SIZE)
        region = _pick(rng, _REGION)
        form = _ORG_FORMS[category][int(rng.integers(len(_ORG_FORMS[category])))]
        org = form.format(city=_CITIES[int(rng.integers(len(_CITIES)))], name=_NAMES[int(rng.integers(len(_NAMES)))])
        if org in used_orgs:
            # Several departments of one institution are members in their own right.
            org = f"{org}, Department {sum(o.startswith(org) for o in used_orgs) + 1}"
        used_orgs.add(org)
        slug = "".join(ch for ch in org.lower() if ch.isalnum())[:18]
        email = f"contact{i + 1}@{slug}.ro"
        person = _PEOPLE[int(rng.integers(len(_PEOPLE)))]

        latent = {d: SEGMENTS[segment]["means"][d] + rng.normal(0, 0.3) for d in cb.directions}

        def label(text: str) -> str:
            if cedilla:
                text = _to_cedilla(text)
            if sloppy:
                text = f"  {text.lower()} " if rng.random() < 0.5 else f"{text} "
            return text

        row: dict = {"A1": org, "A2": email, "_person": person, "_lang": lang}
        for qid in ("A3", "A4", "A5"):
            option_id = {"A3": category, "A4": size, "A5": region}[qid]
            option = next(o for o in q[qid].options if o.id == option_id)
            row[qid] = label(getattr(option, lang))
        row["A6"] = int(min(10, rng.poisson(3 if segment != "research" else 4)))
        for item in likert_ids:
            question = q[item]
            value = latent[question.direction] + item_offset[item] + rng.normal(0, 0.55)
            value = int(np.clip(np.rint(value), 1, 5))
            if question.reverse:
                value = 6 - value
            level = next(lv for lv in cb.scales[question.scale] if lv.value == value)
            row[item] = label(getattr(level, lang))
        ranked = sorted(cb.directions, key=lambda d: -(latent[d] + rng.normal(0, 0.25)))
        row["D"] = {d: r for r, d in enumerate(ranked, start=1)}
        e_probs = {"amr": 0.35, "vaccination": 0.3, "medicines": 0.3, "mobility": 0.35, "ehealth": 0.7}
        row["E"] = [o.id for o in q["E"].options if rng.random() < e_probs[o.id]]
        f_probs = {
            "research": {"workshops": 0.8, "training": 0.6, "funding": 0.7, "international": 0.2},
            "network": {"workshops": 0.4, "training": 0.4, "funding": 0.2, "international": 0.7},
            "policy": {"workshops": 0.3, "training": 0.3, "funding": 0.3, "international": 0.2},
        }[segment]
        chosen = [k for k, p in f_probs.items() if rng.random() < p]
        row["F"] = chosen or ["none"]
        texts = {}
        for qid, p_answer in (("G1", 0.7), ("G2", 0.5)):
            if rng.random() >= p_answer:
                texts[qid] = ("", "", "")
                continue
            if rng.random() < 0.15:
                direction = "outside"
            elif rng.random() < 0.6:
                direction = max(latent, key=latent.get)
            else:
                direction = list(cb.directions)[int(rng.integers(5))]
            bank = _PROPOSALS[direction]
            idea = int(rng.integers(len(bank)))
            which = int(rng.integers(len(_PREFIX[lang])))
            # the wording is drawn apart, so that the rest of the sample stays as it was
            wordings = bank[idea][lang]
            phrase = wordings[int(wording_rng.integers(len(wordings)))]
            verb_first = lang == "en" and phrase.split(" ", 1)[0] in _BARE_VERBS
            prefix = (_VERB_PREFIX if verb_first else _PREFIX[lang])[which]
            text = prefix + phrase if prefix else phrase[0].upper() + phrase[1:]
            if cedilla:
                text = _to_cedilla(text)
            texts[qid] = (text, direction, f"{direction}-{idea + 1}")
        row["G1"], row["G2"] = texts["G1"][0], texts["G2"][0]
        row["H"] = "Da" if lang == "ro" else "Yes"
        row["_time"] = start + dt.timedelta(minutes=int(37 * i + rng.integers(0, 30)))
        answers.append(row)
        truth.append({
            "submission": i + 1,
            "segment": segment,
            "status": "kept",
            "language": lang,
            "G1_direction": texts["G1"][1],
            "G2_direction": texts["G2"][1],
            "G1_idea": texts["G1"][2],
            "G2_idea": texts["G2"][2],
        })

    # One member submits twice: an earlier, different submission, which the
    # loader must set aside in favour of the later one.
    dup_of = int(rng.integers(10, n_members - 10))
    first = dict(answers[dup_of])
    first["_time"] = answers[dup_of]["_time"] - dt.timedelta(hours=2)
    first["B1"], first["G1"], first["G2"] = answers[dup_of]["B3"], "", ""
    answers.insert(dup_of, first)
    truth.insert(dup_of, {**truth[dup_of], "status": "duplicate", "G1_direction": "", "G2_direction": "",
                           "G1_idea": "", "G2_idea": ""})

    # One member stops after the profile questions.
    stop = dict(answers[-1])
    stop.update({"A1": "Clinica Sfântul Luca SRL", "A2": "office@sfluca-clinic.ro", "_person": "Dan Pop"})
    stop["_time"] = answers[-1]["_time"] + dt.timedelta(minutes=41)
    for item in likert_ids[2:]:
        stop[item] = ""
    stop["D"], stop["E"], stop["F"], stop["G1"], stop["G2"], stop["H"] = {}, [], [], "", "", ""
    answers.append(stop)
    truth.append({**truth[-1], "segment": "", "status": "incomplete", "G1_direction": "", "G2_direction": "",
                  "G1_idea": "", "G2_idea": ""})

    for number, record in enumerate(truth, start=1):
        record["submission"] = number
    return SampleSurvey(answers=answers, truth=truth, codebook=cb)


# ---- the tools' layouts -------------------------------------------------------------

def _option_label(question, option_id: str, lang: str) -> str:
    option = next(o for o in question.options if o.id == option_id)
    return getattr(option, lang)


def _google_rows(sample: SampleSurvey) -> tuple[list[str], list[list]]:
    cb = sample.codebook
    q = cb.questions
    header = ["Timestamp", "Email Address"]
    columns: list[tuple] = []
    for qid, question in q.items():
        if qid == "A2":
            continue
        if question.type == "ranking":
            for option in question.options:
                header.append(f"{question.text['en']} [{option.en}]")
                columns.append(("rank", qid, option.id))
        elif question.grid:
            header.append(f"{question.grid['en']} [{question.text['en']}]")
            columns.append(("value", qid, None))
        else:
            header.append(question.text["en"])
            columns.append(("value", qid, None))
    rows = []
    for answer in sample.answers:
        lang = answer["_lang"]
        row: list = [answer["_time"], answer["A2"]]
        for kind, qid, option_id in columns:
            if kind == "rank":
                rank = answer["D"].get(option_id)
                row.append(None if rank is None else str(rank))
            elif q[qid].type == "multi":
                row.append(", ".join(_option_label(q[qid], o, lang) for o in answer[qid]) or None)
            else:
                value = answer.get(qid)
                row.append(None if value == "" else value)
        rows.append(row)
    return header, rows


def _microsoft_rows(sample: SampleSurvey) -> tuple[list[str], list[list]]:
    q = sample.codebook.questions
    header = ["ID", "Start time", "Completion time", "Email", "Name", "Last modified time"]
    qids = []
    for qid, question in q.items():
        if qid == "A2":
            header.append("Contact e-mail")
        elif question.grid:
            # Microsoft Forms heads each Likert statement with its own text;
            # some of its headers carry non-breaking spaces.
            text = question.text["en"]
            header.append(text.replace(" ", "\u00a0", 1) if qid in ("B4", "C3") else text)
        else:
            header.append(question.text["en"])
        qids.append(qid)
    rows = []
    for number, answer in enumerate(sample.answers, start=1):
        lang = answer["_lang"]
        started = answer["_time"] - dt.timedelta(minutes=7, seconds=number % 50)
        row: list = [number, started, answer["_time"], answer["A2"], answer["_person"], answer["_time"]]
        for qid in qids:
            question = q[qid]
            if question.type == "ranking":
                ordered = sorted(answer["D"], key=answer["D"].get)
                row.append("".join(_option_label(question, o, lang) + ";" for o in ordered) or None)
            elif question.type == "multi":
                row.append("".join(_option_label(question, o, lang) + ";" for o in answer[qid]) or None)
            else:
                value = answer.get(qid)
                row.append(None if value == "" else value)
        rows.append(row)
    return header, rows


def _write_xlsx(path: Path, sheet: str, header: list[str], rows: list[list], *, blank_rows: int, notes: str | None) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    ws.append(header)
    for row in rows:
        ws.append(row)
    for _ in range(blank_rows):
        # A cell holding only a space: the row a user "cleared" by typing over it.
        ws.cell(row=ws.max_row + 1, column=1, value=" ")
    for cell in ws[1]:
        if isinstance(cell.value, str) and len(cell.value) > 20:
            ws.column_dimensions[cell.column_letter].width = 24
    if notes:
        info = wb.create_sheet("Notes")
        info.append([notes])
    wb.properties.creator = "survey-analysis sample generator"
    wb.save(path)


#: Members who did not answer, by category: medical technology companies and "other" members answer least.
_NON_RESPONDENTS = {"university": 6, "public_provider": 10, "private_provider": 14, "medtech": 22, "other": 18}


def _write_register(path: Path, sample: SampleSurvey, *, seed: int) -> None:
    """The cluster's membership register: every member with its category and size.

    Every member that answered (once) plus members that did not answer, more of
    them among companies, so that coverage by category is uneven as in a real
    cluster.  Names and sizes of the non-respondents are invented.
    """
    rng = np.random.default_rng(seed + 1)
    q = sample.codebook.questions
    english = {qid: {o.en.casefold(): o.en for o in q[qid].options} for qid in ("A3", "A4")}
    for qid in ("A3", "A4"):
        english[qid].update({o.ro.casefold(): o.en for o in q[qid].options})
        english[qid].update({o.ro.replace("ț", "ţ").replace("ș", "ş").casefold(): o.en for o in q[qid].options})
    rows = []
    for answer, truth in zip(sample.answers, sample.truth):
        if truth["status"] == "duplicate":
            continue
        rows.append({"organisation": answer["A1"],
                     "member_category": english["A3"][answer["A3"].strip().casefold()],
                     "size": english["A4"][answer["A4"].strip().casefold()]})
    sizes = [o.en for o in q["A4"].options]
    for category, count in _NON_RESPONDENTS.items():
        label = next(o.en for o in q["A3"].options if o.id == category)
        for k in range(count):
            rows.append({"organisation": f"Member {category} {k + 1:02d} (did not answer)",
                         "member_category": label, "size": sizes[int(rng.integers(len(sizes)))]})
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=["organisation", "member_category", "size"])
        writer.writeheader()
        writer.writerows(rows)


SAMPLE_FILES = ("google_forms.xlsx", "microsoft_forms.xlsx", "members.csv", "truth.csv")


def write_sample(out: str | Path, *, n_members: int = 150, seed: int = 2018, codebook=None,
                 force: bool = False) -> list[Path]:
    """Write the sample as Google Forms and Microsoft Forms xlsx, the membership register and ``truth.csv``.

    Refuses a dangerous folder (the file-system root, the home folder, the
    root of a checkout, a file) and, unless ``force``, a folder that already
    holds any of the sample's files.  Each file is written whole (a temporary
    file, then renamed).  Returns the paths written.
    """
    from .errors import FileProblemError
    from .outputs import check_output_folder, write_file

    out = check_output_folder(out, what="the sample", allow_foreign=True)
    existing = [name for name in SAMPLE_FILES if (out / name).exists()]
    if existing and not force:
        raise FileProblemError(f"the folder already holds {', '.join(existing)}, which would be overwritten",
                               path=out, hint="Give --out another folder, or add --force to replace them.")
    out.mkdir(parents=True, exist_ok=True)
    sample = make_sample(n_members, seed=seed, codebook=codebook)
    google_header, google_rows = _google_rows(sample)
    microsoft_header, microsoft_rows = _microsoft_rows(sample)

    def truth(path: Path) -> None:
        with path.open("w", newline="", encoding="utf-8") as handle:
            fields = ["respondent_id", "submission", "status", "segment", "language", "G1_direction",
                      "G2_direction", "G1_idea", "G2_idea"]
            writer = csv.DictWriter(handle, fieldnames=fields)
            writer.writeheader()
            for record in sample.truth:
                writer.writerow({"respondent_id": str(record["submission"]), **record})

    writers = {
        "google_forms.xlsx": lambda path: _write_xlsx(
            path, "Form Responses 1", google_header, google_rows, blank_rows=3,
            notes="Responses merged from the English and Romanian versions of the form."),
        "microsoft_forms.xlsx": lambda path: _write_xlsx(path, "Sheet1", microsoft_header, microsoft_rows,
                                                         blank_rows=0, notes=None),
        "members.csv": lambda path: _write_register(path, sample, seed=seed),
        "truth.csv": truth,
    }
    return [write_file(out / name, writers[name], force=True, what=f"the sample's {name}") for name in SAMPLE_FILES]
