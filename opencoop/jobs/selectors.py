"""Which jobs a user sees: those of the authorities they work for, as the access policy says."""

from __future__ import annotations

from opencoop.access import policy

from .models import Job, JobQuerySet


def jobs_for(user) -> JobQuerySet:
    """Return the jobs ``user`` may follow, latest first; jobs of no authority: administrators'."""
    jobs = Job.objects.latest_first().select_related("authority", "user")
    authorities = policy.authorities_read_in_full(user)
    if authorities is None:
        return jobs
    return jobs.for_authorities(authorities)
