"""The app object ``celery -A worker`` finds (Celery falls back to ``worker.celery``).

Kept apart from ``worker/__init__.py`` so that importing a pure module such as
``worker.pipeline.urls`` never builds an app, reads settings or starts Redis.
"""

from worker.app import create_app
from worker.settings import get_settings

app = create_app(get_settings())
