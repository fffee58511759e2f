"""Pure pipeline stages: bytes/str/models in, models out. No I/O."""
