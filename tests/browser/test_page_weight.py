"""Every page type's first visit stays within the weight budget (measured as scripts/page_budget.py does)."""

import pytest

from scripts.page_budget import BUDGET, Measure, measure_transfer

from .page_types import present

pytestmark = pytest.mark.browser

CASES = [(t, lang) for t, lang in present() if t.budget]


@pytest.mark.parametrize(("page_type", "lang"), CASES, ids=[f"{t.key}-{lang}" for t, lang in CASES])
def test_a_first_visit_stays_within_the_weight_budget(site, browser, page_type, lang):
    url = site.address(page_type.key, lang)
    measure = Measure(page_type=page_type.key, lang=lang, path=url.removeprefix(site.url))
    measure_transfer(browser, url, measure)
    assert {"html", "css", "woff2"} <= set(measure.by_type), f"not all counted: {measure.by_type}"
    assert measure.within_budget, (
        f"{page_type.key}-{lang}: {measure.compressed_bytes / 1024:.1f} KB compressed before "
        f"images, over the {BUDGET // 1024} KB budget; by type: {measure.by_type}"
    )
    print(
        f"{page_type.key}-{lang}: {measure.compressed_bytes / 1024:.1f} KB, {measure.requests} requests"
    )
