"""Write side of suggestions."""

from django.db import transaction

from .models import Suggestion


def submit_suggestion(
    *, message: str, email: str = "", page_url: str = "", language: str = ""
) -> Suggestion:
    """Store a visitor's suggestion."""
    suggestion = Suggestion(message=message, email=email, page_url=page_url, language=language)
    with transaction.atomic():
        suggestion.full_clean()
        suggestion.save()
    return suggestion
