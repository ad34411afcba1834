"""Word lists and dictionaries of the checks (serious errors, typos, sensitive words, reply rules)."""

from __future__ import annotations

from typing import Any

from portalcheck.core.resources import package_yaml


def load_data(name: str) -> Any:
    """A word list of this folder, read once per process."""
    return package_yaml(__name__, name)
