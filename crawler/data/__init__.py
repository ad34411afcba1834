"""Data files (phrase lists, keyword tables) that change more often than the code reading them."""

from __future__ import annotations

from typing import Any

from portalcheck.core.resources import package_yaml


def load(name: str) -> Any:
    """Parsed YAML file from this package, read once per process."""
    return package_yaml(__name__, name)
