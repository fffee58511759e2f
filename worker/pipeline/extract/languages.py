"""Guess the language of a story from its words, for pages that do not declare one.

A stopword vote: the most frequent function words of each language are counted in
the first words of the text, and the language with the most hits wins if it is
clearly ahead. Function words are short, frequent and nearly disjoint between the
languages below, so a few hundred words are plenty; no model, no download.

What this module does not do: read markup (``fields.language`` does, first), tell
apart languages it has no list for, or guess on a few words.

References: Cavnar & Trenkle, "N-Gram-Based Text Categorization" (1994), for the
observation that the most frequent words alone identify a language; ISO 639-1 codes.
"""

from __future__ import annotations

import re

from worker.pipeline.extract.dom import words

# The commonest words of each language that are not also common words of another
# language on this list ("de" is Spanish, French, Dutch and Portuguese; "die" is
# English and German), so one hit is one vote.
_STOPWORDS = {
    "en": words("the and of to is was that with for are have this from they which"),
    "de": words("und der das ist nicht mit sich auf dem ein eine auch sie wird"),
    "fr": words("le les et des est une pour dans qui sur pas avec sont aux du"),
    "es": words("el los las y es una por con para del como pero sus fue"),
    "it": words("il che di della per non sono gli nel questo anche alla come"),
    "pt": words("o os as e um uma também com não mais foi pelo pela seu são"),
    "nl": words("het een en van niet zijn met voor dat op ook naar wordt"),
    "sv": words("och att det som är för med inte på av till har kan ett"),
}
_WORD = re.compile(r"[^\W\d_]+")
_SAMPLE_WORDS = 400
_MIN_HITS = 8  # fewer function words than this is too little text to tell
_MIN_LEAD = 1.5  # the winner needs this many times the runner-up's hits


def detect_language(text: str) -> str | None:
    """The ISO 639-1 code of ``text``'s language, or ``None`` when unsure."""
    sample = [word.lower() for word in _WORD.findall(text[: _SAMPLE_WORDS * 12])]
    sample = sample[:_SAMPLE_WORDS]
    hits = {
        code: sum(1 for word in sample if word in vocabulary)
        for code, vocabulary in _STOPWORDS.items()
    }
    ranked = sorted(hits.items(), key=lambda item: item[1], reverse=True)
    (best, best_hits), (_, runner_up) = ranked[0], ranked[1]
    if best_hits < _MIN_HITS or best_hits < _MIN_LEAD * runner_up:
        return None
    return best
