"""The renderer of each format of a forecast: the one place that knows them all.

Each renderer imports the report (`engine.render.report`) and none of the
others; this module picks one, imported only when it is used.
"""

from __future__ import annotations

from collections.abc import Callable

from engine.render.report import Report


def renderer(fmt: str) -> Callable[[Report], str]:
    """The renderer of a format: `text`, `json` or `markdown` (each imported only when used)."""
    if fmt == "json":
        from engine.render.jsonout import render_json

        return render_json
    if fmt == "markdown":
        from engine.render.markdown import render_markdown

        return render_markdown
    from engine.render.text import render_text

    return render_text
