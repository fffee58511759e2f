"""Tests of the article extractor, worker.pipeline.extract."""
