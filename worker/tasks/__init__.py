"""Thin Celery wrappers, one module per pipeline stage (see worker/__init__.py).

Only ``worker.app`` (through its include list) and ``worker.cli`` import these.
"""
