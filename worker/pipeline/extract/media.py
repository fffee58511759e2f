"""The lead image: its URL, caption, credit and alt text.

Sources for the URL, first found wins: JSON-LD ``image`` (a URL, an ImageObject or a
list of either), ``og:image``, ``twitter:image``, then the first ``<figure>``/``<img>``
in the story. The caption comes from the ``<figcaption>`` of the ``<img>`` that shows
that URL (matched by file name, as CDNs resize through the query string and path
prefix), else from the ImageObject.

Credits are split from captions (:func:`split_credit`): a credit element inside the
caption (class ``credit``/``copyright``/``source``), a trailing parenthesis that names
an agency or photographer, or a ``Photo:`` / ``Credit:`` / ``©`` label.

What this module does not do: download or measure images, pick among gallery images,
or decide whether a caption belongs in the body (it never does).

References: schema.org ImageObject (``caption``, ``creditText``, ``copyrightHolder``);
The Open Graph protocol ``og:image``; WHATWG HTML §4.4.12 ``figcaption``.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from schemas.messages import LeadImage
from worker.pipeline.extract.dom import (
    HtmlElement,
    absolute_url,
    clean_text,
    sig_matches,
    signature,
    text_of,
)
from worker.pipeline.extract.metadata import PageMetadata, json_ld_text

_CREDIT_CLASS = re.compile(r"credit|copyright|source|photographer|attribution")
_CREDIT_HINT = re.compile(
    r"/|©|\b(?:photo|photos|photograph|image|images|picture|pictures|credit|courtesy|"
    r"via|getty|shutterstock|alamy|afp|ap|epa|reuters|pool|file|handout)\b",
    re.IGNORECASE,
)
_TRAILING_PARENS = re.compile(r"^(?P<caption>.*?)\s*\((?P<credit>[^()]{2,160})\)\s*$")
_LABELLED_CREDIT = re.compile(
    r"^(?P<caption>.*?)[\s|/–—-]*\b(?:(?:photo|image|picture)\s*credit|credit|"
    r"photo(?:graph)?|image|picture|foto|bild)s?\s*(?::|\bby\b)\s*(?P<credit>.+)$",
    re.IGNORECASE,
)
_COPYRIGHT = re.compile(r"^(?P<caption>.*?)\s*(?:©|\(c\)|copyright)\s*(?P<credit>.+)$")
_CREDIT_LABEL = re.compile(
    r"^(?:(?:photo|image|picture)\s*credit|credit|photo(?:graph)?|image|picture|"
    r"foto|bild)s?\s*(?::|\bby\b)\s*|^©\s*",
    re.IGNORECASE,
)


def split_credit(text: str | None) -> tuple[str | None, str | None]:
    """Split ``"Caption. (Name/Agency)"`` into ``("Caption.", "Name/Agency")``."""
    text = clean_text(text)
    if not text:
        return None, None
    for pattern in (_TRAILING_PARENS, _LABELLED_CREDIT, _COPYRIGHT):
        match = pattern.match(text)
        if match is None:
            continue
        credit = clean_text(match.group("credit")).rstrip(".")
        if pattern is _TRAILING_PARENS and not _CREDIT_HINT.search(credit):
            continue
        caption = clean_text(match.group("caption")).rstrip(" |–—-")
        return caption or None, clean_credit(credit)
    return text, None


def clean_credit(text: str | None) -> str | None:
    """A credit line without its ``Photo:`` / ``Credit:`` / ``©`` label."""
    credit = _CREDIT_LABEL.sub("", clean_text(text)).strip(" ()")
    return credit or None


def extract_lead_image(
    root: HtmlElement, metadata: PageMetadata, base: str
) -> tuple[LeadImage | None, str | None]:
    """The lead image and the source of its URL (``json_ld``, ``opengraph``…)."""
    url, source, declared = _declared_image(metadata, base)
    figure_img = _find_img(root, url) if url else _first_story_img(root)
    if url is None:
        if figure_img is None:
            return None, None
        url = _img_url(figure_img, base)
        source = "dom"
        if url is None:
            return None, None
    caption, credit, alt = _figure_text(figure_img)
    if caption is None and credit is None and declared:
        caption, credit = split_credit(json_ld_text(declared.get("caption")))
        credit = credit or json_ld_text(
            declared.get("creditText") or declared.get("copyrightHolder")
        )
    if alt is None:
        alt = _meta_alt(metadata)
    image = LeadImage(url=url, caption=caption, credit=credit, alt=alt)
    return image, source


def _declared_image(
    metadata: PageMetadata, base: str
) -> tuple[str | None, str | None, dict[str, Any] | None]:
    raw = metadata.resolve(metadata.article.get("image"))
    if isinstance(raw, list):
        raw = metadata.resolve(raw[0]) if raw else None
    if isinstance(raw, dict):
        href = raw.get("url") or raw.get("contentUrl")
        url = absolute_url(href, base) if isinstance(href, str) else None
        if url:
            return url, "json_ld", raw
    elif isinstance(raw, str) and (url := absolute_url(raw, base)):
        return url, "json_ld", None
    for name, source in (
        ("og:image", "opengraph"),
        ("og:image:url", "opengraph"),
        ("og:image:secure_url", "opengraph"),
        ("twitter:image", "meta"),
        ("twitter:image:src", "meta"),
    ):
        url = absolute_url(metadata.first(name), base)
        if url:
            return url, source, None
    return None, None, None


def _meta_alt(metadata: PageMetadata) -> str | None:
    return metadata.first("og:image:alt", "twitter:image:alt")


def _file_stem(url: str) -> str:
    path = urlsplit(url).path.rstrip("/")
    name = path.rsplit("/", 1)[-1].lower()
    return name.rsplit(".", 1)[0]


def _img_url(img: HtmlElement, base: str) -> str | None:
    for attr in ("src", "data-src", "data-original", "data-lazy-src"):
        url = absolute_url(img.get(attr), base)
        if url and not url.startswith("data:"):
            return url
    srcset = img.get("srcset") or img.get("data-srcset")
    if srcset:
        return absolute_url(srcset.strip().split(",")[0].split()[0], base)
    return None


def _find_img(root: HtmlElement, url: str) -> HtmlElement | None:
    stem = _file_stem(url)
    if not stem:
        return None
    for img in root.iter("img", "source"):
        values = " ".join(
            img.get(attr) or ""
            for attr in ("src", "data-src", "srcset", "data-srcset", "data-original")
        ).lower()
        if stem in values:
            return img
    return None


def _first_story_img(root: HtmlElement) -> HtmlElement | None:
    scopes = list(root.iter("article", "main")) or [root]
    for figure in scopes[0].iter("figure"):
        for img in figure.iter("img"):
            return img
    return None


def _figure_text(img: HtmlElement | None) -> tuple[str | None, str | None, str | None]:
    if img is None:
        return None, None, None
    alt = clean_text(img.get("alt")) or None
    figure = next((a for a in img.iterancestors("figure")), None)
    if figure is None:
        return None, None, alt
    caption_el = next(figure.iter("figcaption"), None)
    if caption_el is None:
        return None, None, alt
    credit = None
    parts: list[str] = [caption_el.text or ""]
    for element in caption_el.iterdescendants():
        if _inside_credit(element, caption_el):
            continue
        if sig_matches(_CREDIT_CLASS, signature(element)):
            credit = credit or clean_credit(text_of(element))
        else:
            parts.append(element.text or "")
        parts.append(element.tail or "")
    caption = clean_text("".join(parts)) or None
    if credit is None:
        caption, credit = split_credit(caption)
    return caption, credit, alt


def _inside_credit(element: HtmlElement, stop: HtmlElement) -> bool:
    for ancestor in element.iterancestors():
        if ancestor is stop:
            return False
        if sig_matches(_CREDIT_CLASS, signature(ancestor)):
            return True
    return False
