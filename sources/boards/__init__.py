"""Board kinds: one module a kind, found by contract (`KIND` and `pages`; see registry.py)."""
