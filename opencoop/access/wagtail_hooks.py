"""Wagtail hooks of the access policy: the document download asks it."""

from __future__ import annotations

from django.http import Http404
from wagtail import hooks

from . import policy


@hooks.register("before_serve_document")
def serve_only_documents_the_user_may_download(document, request):
    """Answer 404 (as for a missing file) when the policy keeps the document from this user."""
    if not policy.may_download(request.user, document):
        raise Http404("No such document.")
