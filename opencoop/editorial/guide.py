"""The editors' guide (docs/editors.md), rendered for the admin's Help menu.

One text for the repository and the admin: the guide is read from ``docs/`` and rendered here,
never copied into a template. A translation, where one is written, sits beside it as
``editors.<language>.md`` and is served to users of that language.
"""

from __future__ import annotations

import functools
from pathlib import Path

from django.conf import settings
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import slugify
from markdown_it import MarkdownIt

GUIDE = "editors"


def guide_path(language: str) -> Path:
    """Return the guide in ``language`` if it was translated, else the guide itself."""
    docs = Path(settings.BASE_DIR) / "docs"
    translated = docs / f"{GUIDE}.{language}.md"
    return translated if translated.exists() else docs / f"{GUIDE}.md"


@functools.cache
def _render(path: Path, modified: float) -> str:
    # Raw HTML in the file is escaped ("html": False): the guide is text, never markup.
    parser = MarkdownIt("commonmark", {"html": False}).enable("table")
    tokens = parser.parse(path.read_text(encoding="utf-8"))
    for index, token in enumerate(tokens):
        if token.type == "heading_open":
            # Give headings the ids GitHub gives them, so the guide's own #links work.
            token.attrSet("id", slugify(tokens[index + 1].content))
    return parser.renderer.render(tokens, parser.options, {})


def render_guide(language: str) -> SafeString:
    """Return the guide as HTML, in ``language`` where a translation exists."""
    path = guide_path(language)
    return mark_safe(_render(path, path.stat().st_mtime))
