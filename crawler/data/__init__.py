"""Data files (phrase lists, keyword tables) that change more often than the code reading them."""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import yaml


@cache
def load(name: str) -> Any:
    """Parsed YAML file from this package, read once per process."""
    return yaml.safe_load(resources.files(__name__).joinpath(name).read_text(encoding="utf-8"))
