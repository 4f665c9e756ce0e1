"""The addresses of the country pages in each language (/it/paesi/sn/, /en/countries/sn/)."""

SEGMENTS = {"it": "paesi", "en": "countries"}
# The routes accept any language's segment; the view answers 404 to another language's.
SEGMENT_PATTERN = "|".join(SEGMENTS.values())
