"""The addresses of the country pages, under each language's home page (no imports: the page
tree's models read it)."""

SEGMENTS = {"it": "paesi", "en": "countries"}
# The regular expressions of the routes: any language's segment, a two-letter code.
SEGMENT_PATTERN = "|".join(SEGMENTS.values())
