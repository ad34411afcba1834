"""Data files shipped inside our packages (phrase lists, vocabularies, the demo's model), found through
importlib.resources so they are read the same from a checkout, an editable install or a wheel."""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import yaml


@cache
def package_yaml(package: str, name: str) -> Any:
    """Parsed YAML file `name` of `package`, read once per process (they never change at runtime)."""
    return yaml.safe_load(resources.files(package).joinpath(name).read_text(encoding="utf-8"))
