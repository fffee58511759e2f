"""newsfeed: feeds in, clean deduplicated articles out.

The pipeline, stage by stage (task module -> pure module -> queue)::

    1 schedule  tasks/schedule.py  schedule_due_feeds  pipeline/schedule.py    feeds
    2 poll      tasks/poll.py      poll_feed           pipeline/feeds.py       feeds
    3 fetch     tasks/fetch.py     fetch_article       pipeline/extract/       articles
                tasks/fetch_batch.py fetch_articles    (several URLs, one site) articles
    4 dedup     (inside fetch)                         pipeline/fingerprint.py
                                                       pipeline/dedup.py
    5 follow    tasks/follow.py    follow_links        pipeline/follow.py      links
    - recrawl   tasks/recrawl.py   recrawl             (re-enters stage 3)     articles
    - sweep     tasks/sweep.py     sweep_pending_urls  (re-sends lost URLs)    feeds

``pipeline/`` is pure (no I/O). ``net/`` is the only edge to the open web and ``store/``
the only edge to our own state (database, Redis). ``tasks/`` are thin wrappers that
load, call the pure stage, store and enqueue. ``schemas/`` is the shared vocabulary.
"""
