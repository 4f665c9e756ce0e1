"""Streamed files that say so when they end early.

A streamed download sends its 200 header before the first row; if the database goes away half-way,
the client would otherwise get a file that looks whole. ``marked`` writes a last line saying the
file is incomplete, logs the error, and then lets it end the response (the HTTP transfer is cut
as well, so a careful client notices twice).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator

logger = logging.getLogger(__name__)

NOTICE = "INCOMPLETE FILE: the server stopped writing it after an error. Download it again."

# How each kind of file carries the notice: a CSV line, an XML comment, a JSON-breaking line
# (a half-written JSON document must not parse as a whole one).
MARKERS = {
    "csv": f"\r\n# {NOTICE}\r\n",
    "xml": f"\n<!-- {NOTICE} -->\n",
    "json": f"\n{NOTICE}\n",
}


def marked(chunks: Iterable[str | bytes], kind: str) -> Iterator[str | bytes]:
    """Yield ``chunks``; on an error mid-way, yield the incomplete-file notice and re-raise."""
    marker = MARKERS[kind]
    as_bytes = None
    try:
        for chunk in chunks:
            as_bytes = isinstance(chunk, bytes)
            yield chunk
    except Exception:
        logger.exception("A streamed %s file ended early", kind)
        yield marker.encode("utf-8") if as_bytes else marker
        raise
