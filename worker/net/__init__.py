"""The edge to the open web: every byte from a hostile URL comes in through here.

``guard`` decides which resolved addresses may be contacted (SSRF), ``fetcher`` does
one bounded GET with its own redirect loop, and ``robots`` asks robots.txt (RFC 9309)
through that same fetcher. Nothing in ``worker/pipeline`` may import this package.
"""
