"""The config.yaml a test hands to a command (`portalcheck --config …`, a crawl, the scheduler): written one way."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from portalcheck.core.config import ConfigError, load_config

# The least a deployment needs: the portal and one unit (tests add their own sections after it).
MINIMAL_CONFIG = """\
portal:
  name: 青山县人民政府门户网站
  home: http://127.0.0.1:8650/
  site_code: "3609990001"
units:
  - name: 白鹤镇
    site: http://127.0.0.1:8650/xzjd/bhz/
"""


def write_config_file(folder: Path, content: str | Mapping[str, Any], name: str = "config.yaml") -> Path:
    """`folder/name` holding `content`: YAML text as given, or a mapping dumped as YAML in its own key order
    with the Chinese as written. Returns the path."""
    text = content if isinstance(content, str) else yaml.safe_dump(dict(content), allow_unicode=True,
                                                                   sort_keys=False)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def config_problems(folder: Path, content: str) -> list[str]:
    """The problems load_config names in `content`, which it must refuse."""
    with pytest.raises(ConfigError) as caught:
        load_config(write_config_file(folder, content))
    return caught.value.problems
