"""Quality and speed of grouping proposals into project ideas.

Quality: a labelled file (columns id, topic, language, pair, text; see
data/portfolio/README.md) is grouped by :class:`~survey_analysis.portfolio.ProposalGrouper`
and scored against its topics:

* purity: share of the grouped proposals that belong to their idea's most common topic;
* adjusted Rand index between ideas and topics (each ungrouped proposal counted as an idea of its own);
* ideas per topic;
* pairs together: share of the bilingual pairs (the same idea written once in each language)
  whose two proposals are in the same idea;
* ungrouped: share of the proposals in no idea.

Beside it, in the same run, TF-IDF + agglomerative clustering from scikit-learn
(word TF-IDF, average linkage on the cosine distance) told the true number of topics.

Speed: 20,000 distinct proposals (built from the bundled labelled proposals and the
development set, each varied by dropping, repeating and recasing words) grouped
by our method and by the scikit-learn baseline on the same texts, each in a fresh
process: the median of ``--runs`` runs of ours, and ``--baseline-runs`` of the
baseline (default 1: average linkage on 20,000 texts takes many minutes; a run
past ``--baseline-timeout`` seconds is stopped and reported as unfinished),
with the ratio of the medians.  Targets: purity >= 0.85, ARI >= 0.7, ideas at most
twice the topics, pairs together >= 90%, ungrouped <= 10%, 20,000 proposals in at
most 30 s on 2 cores.

    python benchmarks/bench_portfolio.py --set dev            # development set (author A)
    python benchmarks/bench_portfolio.py --set test           # the frozen test set: see the README's protocol
    python benchmarks/bench_portfolio.py --speed              # 20,000 proposals, ours vs the baseline
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.cluster import AgglomerativeClustering
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import adjusted_rand_score

from survey_analysis.portfolio import UNGROUPED, ProposalGrouper

ROOT = Path(__file__).resolve().parents[1]
PORTFOLIO = ROOT / "data" / "portfolio"
SETS = {"dev": ["dev_author_a.csv"], "test": ["test_author_b.csv", "test_author_c.csv"]}
TARGETS = {"purity": 0.85, "ari": 0.70, "ideas_per_topic": 2.0, "pairs_together": 0.90, "ungrouped": 0.10}
TARGET_SECONDS = 30.0
N_SPEED = 20_000
CACHE = Path(__file__).resolve().parent / ".cache" / "portfolio_20000.csv"


def read_labelled(names: list[str]) -> pd.DataFrame:
    frames = [pd.read_csv(PORTFOLIO / name, dtype=str, keep_default_na=False) for name in names]
    return pd.concat(frames, ignore_index=True)


def score(labels: np.ndarray, table: pd.DataFrame) -> dict[str, float]:
    """The five quality figures of idea labels (UNGROUPED = -1) against the topics of ``table``."""
    labels = np.asarray(labels)
    topics = table["topic"].to_numpy()
    grouped = labels != UNGROUPED
    purity = 0.0
    if grouped.any():
        counts = pd.crosstab(labels[grouped], topics[grouped])
        purity = float(counts.max(axis=1).sum() / grouped.sum())
    # each ungrouped proposal is an idea of its own
    singletons = np.where(grouped, labels, -(np.arange(len(labels)) + 2))
    ari = float(adjusted_rand_score(topics, singletons))
    together, total = 0, 0
    for _, pair in table[table["pair"] != ""].groupby("pair"):
        if len(pair) != 2:
            continue
        a, b = labels[pair.index[0]], labels[pair.index[1]]
        total += 1
        together += int(a == b and a != UNGROUPED)
    n_ideas = len(set(labels[grouped].tolist()))
    return {
        "purity": purity,
        "ari": ari,
        "ideas": n_ideas,
        "topics": int(pd.Series(topics).nunique()),
        "ideas_per_topic": n_ideas / max(1, pd.Series(topics).nunique()),
        "pairs_together": together / total if total else float("nan"),
        "pairs": total,
        "ungrouped": float((~grouped).mean()),
    }


def baseline_labels(texts: list[str], n_clusters: int) -> np.ndarray:
    """TF-IDF of words + agglomerative clustering (average linkage, cosine), told the number of clusters."""
    X = TfidfVectorizer(sublinear_tf=True, strip_accents="unicode").fit_transform(texts)
    model = AgglomerativeClustering(n_clusters=n_clusters, metric="cosine", linkage="average")
    return model.fit_predict(X.toarray())


def meets(figures: dict[str, float]) -> dict[str, bool]:
    return {
        "purity": figures["purity"] >= TARGETS["purity"],
        "ari": figures["ari"] >= TARGETS["ari"],
        "ideas_per_topic": figures["ideas_per_topic"] <= TARGETS["ideas_per_topic"],
        "pairs_together": figures["pairs_together"] >= TARGETS["pairs_together"],
        "ungrouped": figures["ungrouped"] <= TARGETS["ungrouped"],
    }


def print_quality(name: str, figures: dict[str, float], *, with_targets: bool = True) -> None:
    ok = meets(figures)
    mark = (lambda key: f"  [{'met' if ok[key] else 'MISSED'}]") if with_targets else (lambda key: "")
    print(f"{name}")
    print(f"  purity          {figures['purity']:.3f}   (target >= {TARGETS['purity']}){mark('purity')}")
    print(f"  adjusted Rand   {figures['ari']:.3f}   (target >= {TARGETS['ari']}){mark('ari')}")
    print(f"  ideas / topics  {figures['ideas']} / {figures['topics']} = {figures['ideas_per_topic']:.2f}"
          f"   (target <= {TARGETS['ideas_per_topic']}){mark('ideas_per_topic')}")
    print(f"  pairs together  {figures['pairs_together']:.3f} of {figures['pairs']} pairs"
          f"   (target >= {TARGETS['pairs_together']}){mark('pairs_together')}")
    print(f"  ungrouped       {figures['ungrouped']:.3f}   (target <= {TARGETS['ungrouped']}){mark('ungrouped')}")


def quality(set_name: str) -> None:
    table = read_labelled(SETS[set_name])
    print(f"{set_name} set: {', '.join(SETS[set_name])} ({len(table)} proposals, "
          f"{table['topic'].nunique()} topics, {(table['pair'] != '').sum() // 2} bilingual pairs)")
    start = time.perf_counter()
    grouper = ProposalGrouper().fit(table["text"])
    elapsed = time.perf_counter() - start
    print_quality(f"ProposalGrouper ({elapsed:.2f} s)", score(grouper.labels_, table))
    labels = baseline_labels(table["text"].tolist(), table["topic"].nunique())
    print_quality("TF-IDF + agglomerative (scikit-learn, told the number of topics)", score(labels, table),
                  with_targets=False)


# ---- speed -------------------------------------------------------------------------------------

def speed_corpus() -> list[str]:
    """20,000 distinct proposals varied from the bundled labelled proposals and the development set."""
    if CACHE.is_file():
        return pd.read_csv(CACHE, dtype=str, keep_default_na=False)["text"].tolist()
    sources = [ROOT / "data" / "proposals" / name for name in
               ("labelled_proposals.csv", "heldout_proposals.csv", "training_extra.csv")]
    bases = [t for path in sources if path.is_file() for t in pd.read_csv(path, dtype=str)["text"].dropna()]
    bases += read_labelled(SETS["dev"])["text"].tolist()
    rng = np.random.default_rng(2019)
    seen: set[str] = set()
    out: list[str] = []
    while len(out) < N_SPEED:
        words = bases[int(rng.integers(len(bases)))].split()
        if len(words) > 3:
            del words[int(rng.integers(len(words)))]
        if rng.random() < 0.3:
            k = int(rng.integers(len(words)))
            words.insert(k, words[k])
        if rng.random() < 0.2:
            words = [w.lower() for w in words]
        text = " ".join(words)
        if text not in seen:
            seen.add(text)
            out.append(text)
    CACHE.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame({"text": out}).to_csv(CACHE, index=False)
    return out


def run_once(which: str) -> float:
    texts = speed_corpus()
    start = time.perf_counter()
    if which == "ours":
        grouper = ProposalGrouper().fit(texts)
        found = int(grouper.labels_.max()) + 1
    else:
        found = len(set(baseline_labels(texts, 28).tolist()))
    elapsed = time.perf_counter() - start
    print(f"{which}: {len(texts):,} proposals grouped into {found} ideas in {elapsed:.2f} s")
    return elapsed


def speed(runs: int, baseline_runs: int, baseline_timeout: float) -> None:
    speed_corpus()
    me = [sys.executable, str(Path(__file__).resolve())]
    times: dict[str, list[float]] = {"ours": [], "baseline": []}
    unfinished = 0
    for k in range(max(runs, baseline_runs)):
        for which, wanted in (("ours", runs), ("baseline", baseline_runs)):
            if k >= wanted:
                continue
            started = time.perf_counter()
            try:
                out = subprocess.run(me + ["--run", which], capture_output=True, text=True, check=True,
                                     timeout=None if which == "ours" else baseline_timeout).stdout
            except subprocess.TimeoutExpired:
                unfinished += 1
                print(f"  baseline: not finished after {baseline_timeout:.0f} s; stopped", flush=True)
                continue
            wall = time.perf_counter() - started
            times[which].append(wall)
            print(f"  {out.strip()}; whole process {wall:.2f} s", flush=True)
    ours = float(np.median(times["ours"]))
    line = (f"ours: median {ours:.2f} s of {len(times['ours'])} whole-process runs (target {TARGET_SECONDS:.0f} s: "
            f"{'within' if ours <= TARGET_SECONDS else 'OVER'})")
    if times["baseline"]:
        base = float(np.median(times["baseline"]))
        line += (f"; TF-IDF + agglomerative: median {base:.2f} s of {len(times['baseline'])}; "
                 f"ratio ours/baseline {ours / base:.3f}")
    elif unfinished:
        line += (f"; TF-IDF + agglomerative: not finished after {baseline_timeout:.0f} s; "
                 f"ratio ours/baseline below {ours / baseline_timeout:.3f}")
    print(line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", choices=sorted(SETS), help="score a labelled set")
    parser.add_argument("--speed", action="store_true", help="time 20,000 proposals, ours vs the baseline")
    parser.add_argument("--runs", type=int, default=3, help="whole-process runs of ours (median printed)")
    parser.add_argument("--baseline-runs", type=int, default=1, help="runs of the scikit-learn baseline (0: none)")
    parser.add_argument("--baseline-timeout", type=float, default=900,
                        help="seconds after which a baseline run is stopped and reported as unfinished")
    parser.add_argument("--run", choices=["ours", "baseline"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run:
        run_once(args.run)
        return
    if not args.set and not args.speed:
        args.set, args.speed = "test", True
    if args.set:
        quality(args.set)
    if args.speed:
        speed(args.runs, args.baseline_runs, args.baseline_timeout)


if __name__ == "__main__":
    main()
