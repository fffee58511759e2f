"""Extraction benchmark: newsfeed's extractor against trafilatura on the same pages.

    python -m bench.extraction [--data DIR] [--limit N]

Loads the development set (``ground-truth.json`` + ``html/<id>.html.gz``) into memory
once, then on one core runs, taking turns every 20 pages (so that load on a shared
machine weighs on all of them alike):

* ``lxml.html.fromstring`` alone (the floor every extractor pays);
* newsfeed's ``extract_article`` (body, title, authors and date from one parse);
* trafilatura, when importable: ``extract(favor_precision=True,
  include_comments=False)`` for the body and ``extract_metadata`` for the fields.

Body quality uses the data set's own metric: the shingle functions are imported from
its ``score.py`` by path, never copied, so both figures stay comparable with
``score.py`` runs. Per-field accuracy: title by normalised exact match; authors by
equal sets of normalised names (pages whose truth has no author are skipped); date by
the same calendar date as the truth.

Body figures are also printed for each half of the set split by a hash of the
page's site, to tell general gains from gains on a few sites.

The data folder defaults to ``../shared/extraction-dev`` relative to the repository.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import re
import statistics
import sys
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from types import ModuleType
from typing import Any

import lxml.html

from worker.pipeline.extract import extract_article

_REPO = Path(__file__).resolve().parent.parent
_DEFAULT_DATA = _REPO.parent / "shared" / "extraction-dev"
_AUTHOR_SPLIT = re.compile(r"\s*(?:,|;|\band\b|&|\n)\s*", re.IGNORECASE)
_ROUND = 20  # pages each extractor runs before the next one takes its turn
# Degrees and suffixes the truth lists as if they were names ("Jane Roe, Ph.D.").
_NOT_NAMES = frozenset({"phd", "md", "jr", "sr", "ii", "iii", "dr", "mba"})


@dataclass
class Prediction:
    """What one extractor said about one page."""

    body: str = ""
    title: str = ""
    authors: list[str] = field(default_factory=list)
    date: date | None = None


@dataclass
class Run:
    """One extractor's predictions and timings over all pages."""

    name: str
    predictions: list[Prediction] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)


def load_score_module(data: Path) -> ModuleType:
    """The data set's ``score.py``, imported by path."""
    spec = importlib.util.spec_from_file_location("extraction_score", data / "score.py")
    if spec is None or spec.loader is None:
        sys.exit(f"no score.py in {data}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


def newsfeed_predict(html: str, url: str) -> Prediction:
    article = extract_article(html, url=url)
    published = article.published_at
    return Prediction(
        body=article.body_text or "",
        title=article.headline or "",
        authors=[author.name for author in article.authors],
        date=published.date() if published else None,
    )


def trafilatura_predictor() -> Callable[[str, str], Prediction] | None:
    try:
        import trafilatura  # noqa: PLC0415 - optional, only for the comparison
    except ImportError:
        return None

    def predict(html: str, url: str) -> Prediction:
        body = trafilatura.extract(
            html, url=url, favor_precision=True, include_comments=False
        )
        meta = trafilatura.extract_metadata(html, default_url=url)
        return Prediction(
            body=body or "",
            title=(meta.title or "") if meta else "",
            authors=_AUTHOR_SPLIT.split(meta.author or "") if meta else [],
            date=_parse_date(meta.date) if meta else None,
        )

    return predict


def trafilatura_body(html: str, url: str) -> None:
    import trafilatura  # noqa: PLC0415 - optional, only for the comparison

    trafilatura.extract(html, url=url, favor_precision=True, include_comments=False)


def measure(
    pages: list[Any],
    predictors: dict[str, Callable[[str, str], Prediction]],
    timed_only: dict[str, Callable[[str, str], object]],
) -> tuple[dict[str, Run], dict[str, list[float]]]:
    """Run every extractor over the pages, taking turns every ``_ROUND`` pages.

    Taking turns keeps the ratios fair on a shared machine (a burst of load slows
    every extractor on nearby pages, not only whichever ran at the time); rounds of
    several pages keep each extractor's code and data warm as in a worker, which
    one page each in turn would not.
    """
    runs = {name: Run(name) for name in predictors}
    seconds: dict[str, list[float]] = {name: [] for name in timed_only}
    for first in range(0, len(pages), _ROUND):
        chunk = pages[first : first + _ROUND]
        for name, call in timed_only.items():
            for page in chunk:
                start = time.perf_counter()
                call(page.html, page.url or "")
                seconds[name].append(time.perf_counter() - start)
        for name, predict in predictors.items():
            for page in chunk:
                start = time.perf_counter()
                runs[name].predictions.append(predict(page.html, page.url or ""))
                runs[name].seconds.append(time.perf_counter() - start)
    return runs, seconds


def normalise(text: str | None) -> str:
    text = unicodedata.normalize("NFKC", text or "").casefold()
    return " ".join(re.findall(r"\w+", text))


def author_set(names: list[str] | str) -> frozenset[str]:
    parts = _AUTHOR_SPLIT.split(names) if isinstance(names, str) else names
    found = {normalise(part) for part in parts}
    return frozenset(name for name in found if name and name not in _NOT_NAMES)


def _parse_date(value: str | None) -> date | None:
    try:
        return date.fromisoformat((value or "")[:10])
    except ValueError:
        return None


def field_accuracy(truths: list[dict[str, Any]], run: Run) -> dict[str, str]:
    hits = {"title": [0, 0], "authors": [0, 0], "date": [0, 0]}
    for truth, got in zip(truths, run.predictions, strict=True):
        if truth.get("title"):
            hits["title"][1] += 1
            hits["title"][0] += normalise(truth["title"]) == normalise(got.title)
        want_authors = author_set(truth.get("authors") or "")
        if want_authors:
            hits["authors"][1] += 1
            hits["authors"][0] += want_authors == author_set(got.authors)
        want_date = _parse_date(truth.get("date"))
        if want_date:
            hits["date"][1] += 1
            hits["date"][0] += want_date == got.date
    return {
        key: f"{ok / total:.3f} ({ok}/{total})" if total else "n/a"
        for key, (ok, total) in hits.items()
    }


def site_half(score: ModuleType, url: str | None) -> int:
    """0 or 1 from a hash of the page's site, so a site's pages stay in one half."""
    return hashlib.sha256(score.site_of(url).encode("utf-8")).digest()[0] % 2


def _half_scores(
    score: ModuleType, pages: list[Any], matches: list[Any], exact: list[bool]
) -> list[tuple[str, dict[str, float]]]:
    """Body figures on each half of the set split by site: a change that helps one
    half and hurts the other is tuned to pages, not to news pages in general."""
    halves = []
    for half in (0, 1):
        chosen = [
            i for i, page in enumerate(pages) if site_half(score, page.url) == half
        ]
        quality = score.aggregate(
            [matches[i] for i in chosen], [exact[i] for i in chosen]
        )
        halves.append((f"{len(chosen)} pages", quality))
    return halves


def report(
    score: ModuleType, pages: list[Any], truths: list[dict[str, Any]], run: Run
) -> None:
    matches = [
        score.match_page(page.truth, got.body)
        for page, got in zip(pages, run.predictions, strict=True)
    ]
    exact = [
        score.exact_match(page.truth, got.body)
        for page, got in zip(pages, run.predictions, strict=True)
    ]
    quality = score.aggregate(matches, exact)
    median = statistics.median(run.seconds) * 1000
    total = sum(run.seconds)
    print(f"\n{run.name}")
    print(
        f"  body      F1 {quality['f1']:.3f}  precision {quality['precision']:.3f}"
        f"  recall {quality['recall']:.3f}"
    )
    for half, (label, quality) in enumerate(_half_scores(score, pages, matches, exact)):
        print(
            f"  half {half}    F1 {quality['f1']:.3f}"
            f"  precision {quality['precision']:.3f}"
            f"  recall {quality['recall']:.3f}  ({label})"
        )
    print(f"  speed     {len(pages) / total:.1f} pages/s  median {median:.2f} ms/page")
    for key, value in field_accuracy(truths, run).items():
        print(f"  {key:<9} {value}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=_DEFAULT_DATA)
    parser.add_argument("--limit", type=int, default=None)
    args = parser.parse_args(argv)
    score = load_score_module(args.data)
    pages = score.load_pages(args.data, args.limit)
    for page in pages:
        _ = page.html  # decompress before any timing
    everything = json.loads((args.data / "ground-truth.json").read_text("utf-8"))
    truths = [everything[page.item_id] for page in pages]
    predictors: dict[str, Callable[[str, str], Prediction]] = {
        "newsfeed": newsfeed_predict
    }
    timed_only: dict[str, Callable[[str, str], object]] = {
        "parse": lambda html, _url: lxml.html.fromstring(html)
    }
    traf = trafilatura_predictor()
    if traf is not None:
        predictors["trafilatura"] = traf
        timed_only["trafilatura body"] = trafilatura_body
    newsfeed_predict(pages[0].html, pages[0].url or "")  # warm-up, untimed
    runs, seconds = measure(pages, predictors, timed_only)
    parse_median = statistics.median(seconds["parse"]) * 1000
    print(f"{len(pages)} pages from {args.data}")
    print(f"lxml.html.fromstring only: median {parse_median:.2f} ms/page")
    for result in runs.values():
        report(score, pages, truths, result)
        ratio = statistics.median(result.seconds) * 1000 / parse_median
        print(f"  vs parse  {ratio:.1f}x lxml.html.fromstring")
    if "trafilatura" in runs:
        ours = statistics.median(runs["newsfeed"].seconds)
        theirs = statistics.median(runs["trafilatura"].seconds)
        body_only = statistics.median(seconds["trafilatura body"]) * 1000
        print(f"\ntrafilatura body only (extract): median {body_only:.2f} ms/page")
        print(
            f"newsfeed (all fields) is {theirs / ours:.1f}x trafilatura (body + "
            f"metadata) and {body_only / (ours * 1000):.1f}x trafilatura (body only)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
