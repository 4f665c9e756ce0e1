from .test_edit_page_size import page, twenty_parts  # noqa: F401
import pytest
pytestmark = pytest.mark.django_db
def test_dump(page):
    open("/tmp/edit_test.html", "wb").write(page.content)
