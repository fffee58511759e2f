"""Read a printed byline: split it into names and roles, and tell people from outlets.

``By Jane Doe, Head of desk, and John Roe`` gives two authors, the first with a
role. A name must look like a person: two to five capitalised words, no digits, no
weekday/month words, no organisation words ("Press", "News", "Staff", "Agency").
This is what keeps "Associated Press" and "Updated March 5" out of ``authors``.

What this module does not do: find the byline in the page (``authors.py`` does).

References: the byline conventions of the AP Stylebook ("By", "and"); multilingual
prefixes von/par/por/di/door/av.
"""

from __future__ import annotations

import re

from schemas.messages import Author
from worker.pipeline.extract.dom import HtmlElement, clean_text, text_of, words

# Longer than this, a "By …" line is a sentence of the story, not a byline.
MAX_BYLINE_CHARS = 300

BY_PREFIX = re.compile(
    r"^(?:(?:written|words|text|reporting|report|story|edited|photos?)\s+)?"
    r"(?:by|von|par|por|di|door|av|af)\s*:?\s+",
    re.IGNORECASE,
)
# Where a byline stops being names: a timestamp, a source line, a separator.
_BYLINE_END = re.compile(
    r"\s(?:updated|published|posted|last updated|modified|on)\b[\s:].*$"
    r"|(?<=[a-z])(?:Updated|Published|Posted)\b.*$"  # glued: "Jane DoePublished"
    r"|\s*[|•·].*$"
    r"|\s+\d{1,2}(?:st|nd|rd|th)?\s+[A-Z][a-z]+\s+\d{4}.*$"
    r"|\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d.*$",
    re.IGNORECASE,
)
_NAME_SPLIT = re.compile(r"\s*(?:;|\band\b|&|\bund\b|\bet\b|\by\b|\be\b)\s*")
_ROLE_WORDS = words(
    "editor editors correspondent reporter reporters writer writers chief head desk "
    "producer columnist contributor contributing analyst journalist photographer "
    "senior deputy staff director manager bureau lead host presenter intern "
    "researcher critic commentator fellow professor author"
)
_NOT_NAME_WORDS = words(
    "press news agency agencies staff desk times post media inc ltd llc group network "
    "service services wire wires editorial team newsroom associated company corp "
    "corporation foundation institute university office ministry daily journal "
    "gazette herald tribune radio tv television online magazine weekly editors "
    "correspondents reporters contributors updated published posted min read share "
    "follow email monday tuesday wednesday thursday friday saturday sunday today "
    "yesterday ago the of for telegram enquirer inquirer courier observer chronicle "
    "examiner dispatch bulletin sentinel images photo photos photography getty link "
    "links copied navigation menu search subscribe newsletter"
)
_SUFFIXES = words("jr sr ii iii iv")
_PARTICLES = words(
    "van von de der den da di du la le del della bin al el dos das ter ten st"
)


def looks_like_person(name: str) -> bool:
    """True if ``name`` reads as a person's name rather than an outlet or a date."""
    words = name.replace(",", " ").split()
    if not 2 <= len(words) <= 5 or any(ch.isdigit() for ch in name):  # noqa: PLR2004
        return False
    capitalised = 0
    plain = 0  # capitalised words that are not in capitals: "Antoni", not "EJ"
    for index, word in enumerate(words):
        bare = word.strip(".'’-()\"")
        lower = bare.lower()
        if lower in _NOT_NAME_WORDS or lower in _ROLE_WORDS:
            return False
        if "-" in lower and not _NOT_NAME_WORDS.isdisjoint(lower.split("-")):
            return False  # "Courier-Post", "Post-Gazette"
        if lower in _PARTICLES or (index and lower in _SUFFIXES):
            continue  # "van", "de"; "Jr", "III" after a name
        if not bare or not bare[0].isupper():
            return False
        if len(bare) > 1 and bare.isupper() and "." not in word:
            # An acronym (AP, AFP, BBC), unless two leading initials: "EJ Antoni".
            if index or len(bare) != 2:  # noqa: PLR2004
                return False
        else:
            plain += 1
        capitalised += 1
    return capitalised >= 2 and plain >= 1  # noqa: PLR2004


def _is_role(text: str) -> bool:
    words = {word.strip(".,").lower() for word in text.split()}
    if words & _ROLE_WORDS:
        return True
    return bool(text) and not looks_like_person(text) and text[:1].isupper()


def parse_byline(text: str) -> list[Author]:
    """Split a byline such as ``By Jane Doe, Head of desk, and John Roe``."""
    text = clean_text(text)[:MAX_BYLINE_CHARS]
    text = BY_PREFIX.sub("", text)
    text = _BYLINE_END.sub("", text).strip(" ,;:-–—")
    authors: list[Author] = []
    for part in re.split(r"\s*,\s*", text):
        for index, piece in enumerate(p for p in _NAME_SPLIT.split(part) if p):
            name = BY_PREFIX.sub("", piece).strip(" .:-–—")
            if looks_like_person(name):
                authors.append(Author(name=name))
            elif index == 0 and authors and authors[-1].role is None and _is_role(name):
                authors[-1] = authors[-1].model_copy(update={"role": name})
    return unique_authors(authors)


def unique_authors(authors: list[Author]) -> list[Author]:
    seen: set[str] = set()
    result = []
    for author in authors:
        key = author.name.lower()
        if key not in seen:
            seen.add(key)
            result.append(author)
    return result


def byline_text(element: HtmlElement) -> str:
    """The byline with its children kept apart by commas ("By Ann Lee, City Post").

    Templates put the name and the outlet or role in sibling elements with no
    separator; text inside one child (``<a>Ann <b>Lee</b></a>``) stays together.
    """
    pieces = [clean_text(element.text)]
    for child in element:
        pieces += [text_of(child), clean_text(child.tail)]
    pieces = [piece for piece in pieces if piece]
    if len(pieces) > 1 and BY_PREFIX.fullmatch(pieces[0] + " "):
        pieces[:2] = [f"{pieces[0]} {pieces[1]}"]  # "By" then the name
    return ", ".join(pieces)
