"""Background work of the open data page, run by the jobs worker (``db_worker --backend jobs``)."""

from __future__ import annotations

from django_tasks import task

from opencoop.organisations.models import Organisation


@task(backend="jobs")
def check_authority_files(organisation_id: int) -> str:
    """Check the IATI and CRS files of one authority for the open data page (``files``)."""
    from .files import check_files

    organisation = Organisation.objects.filter(pk=organisation_id).first()
    if organisation is None:
        return "gone"
    check = check_files(organisation)
    return f"{len(check.crs_years)} CRS years, {len(check.left_out)} left out"
