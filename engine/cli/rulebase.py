"""Which rule base a command reads when `--rules` is not given, found as git finds `.git`.

A scenario belongs to the rule base beside it or above it: from the
scenario's folder upwards, the nearest folder holding `rules/vocabulary.yaml`
gives it. Else the `FORECAST_RULES` environment variable names the rules
folder; else `rules/` in the current directory, as before this search
existed. A rule base found below the current directory is written relative
to it (`rules`), so every output that names it stays the same bytes.
"""

from __future__ import annotations

import os
from pathlib import Path

from engine.errors import InputError, Location

ENVIRONMENT = "FORECAST_RULES"
"""The environment variable naming a rules folder, used when no scenario's folder has one above it."""
MARK = "vocabulary.yaml"
"""The file that makes a folder named `rules` a rule base."""


def find_rule_base(given: Path | None, start: Path | None = None) -> Path:
    """`given` (`--rules`); else the rule base found from `start` (a scenario or a table) up, `FORECAST_RULES`, `./rules`.

    Raises `InputError` listing every place it looked when none holds a rule base.
    """
    if given is not None:
        return given
    looked: list[str] = []
    if start is not None:
        here = Path.cwd()
        folder = Path(os.path.abspath(start)).parent
        for candidate in (folder, *folder.parents):
            rules = candidate / "rules"
            if (rules / MARK).is_file():
                return rules.relative_to(here) if rules.is_relative_to(here) else rules
            looked.append(rules.as_posix())
    named = os.environ.get(ENVIRONMENT)
    if named:
        if (Path(named) / MARK).is_file():
            return Path(named)
        looked.append(f"{ENVIRONMENT}={named}")
    else:
        looked.append(f"{ENVIRONMENT} (not set)")
    if (Path("rules") / MARK).is_file():
        return Path("rules")
    if start is None or Path("rules").absolute().as_posix() not in looked:
        looked.append("./rules")
    raise InputError(
        f"no rule base found (a rules/ folder holding {MARK}); looked in {', '.join(looked)}",
        location=Location(start) if start is not None else None,
        key="--rules",
        suggestion=f"pass --rules DIR, or set {ENVIRONMENT}",
    )
