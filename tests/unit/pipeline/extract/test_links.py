"""Each link gets the kind of place it was found in."""

from __future__ import annotations

from schemas.enums import LinkKind
from worker.pipeline.extract import extract_article

PAGE = """<html><head><base href="https://news.example/section/"></head><body>
<nav><a href="/">Home</a></nav>
<article>
  <h1>Headline of the story</h1>
  <div class="byline"><a href="/staff/jane-doe">Jane Doe</a></div>
  <div class="article-body">
    <p>The first paragraph is long enough to be the story and links to
    <a href="earlier-story">an earlier story</a> about the same ferry route.</p>
    <div class="related"><a href="/news/other-story">A related story card headline</a></div>
    <p>The second paragraph is also long enough to count as part of the story body.</p>
    <p><a href="mailto:desk@news.example">Mail us</a> <a href="javascript:go()">Go</a>
    <a href="#top">Top</a></p>
  </div>
</article>
<ul class="latest">
  <li><a href="/news/a">First story in the list of latest news</a></li>
  <li><a href="/news/b">Second story in the list of latest news</a></li>
</ul>
<footer><a href="/about">About</a></footer>
</body></html>"""


def _kinds() -> dict[str, LinkKind]:
    article = extract_article(PAGE, url="https://news.example/section/story")
    return {link.url: link.kind for link in article.links}


def test_link_kinds_follow_the_box_the_link_is_in():
    assert _kinds() == {
        "https://news.example/": LinkKind.NAV,
        "https://news.example/staff/jane-doe": LinkKind.AUTHOR,
        "https://news.example/section/earlier-story": LinkKind.IN_BODY,
        "https://news.example/news/other-story": LinkKind.TEASER,
        "https://news.example/news/a": LinkKind.FEED_LIST,
        "https://news.example/news/b": LinkKind.FEED_LIST,
        "https://news.example/about": LinkKind.NAV,
    }


def test_mailto_javascript_and_fragment_links_are_dropped():
    assert not [url for url in _kinds() if not url.startswith("https://")]


def test_unclassed_list_of_headline_links_is_a_feed_list():
    html = """<html><body><article><p>A body paragraph that is long enough to count.</p>
    </article><section><h2>Elsewhere</h2>
    <div><h3><a href="/a">A first headline that is long enough</a></h3></div>
    <div><h3><a href="/b">A second headline that is long enough</a></h3></div>
    <div><h3><a href="/c">A third headline that is long enough</a></h3></div>
    </section></body></html>"""

    article = extract_article(html, url="https://news.example/s")

    assert {link.kind for link in article.links} == {LinkKind.FEED_LIST}
