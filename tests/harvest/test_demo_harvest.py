"""The demo's atlas harvests a second fictional authority's file from a local address.

``manage.py demo_harvest`` (run by ``make run`` after ``generate_authority``) builds the
fictional Unione dei Comuni di Esempio's IATI file, serves it on a loopback port, registers the
source and harvests it: the atlas then holds the Unione's activities as harvested records, and
counts once those that name the Comune di Esempio's own records.
"""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from wagtail.models import Revision

from opencoop.access import policy
from opencoop.activities.models import Activity
from opencoop.atlas.duplicates import counted_once
from opencoop.demo.generator import generate
from opencoop.demo.harvested import ACTIVITIES, HARVESTED, SHARED
from opencoop.harvest.models import Harvest, HarvestedActivity, HarvestSource

pytestmark = pytest.mark.django_db


def test_the_demo_harvests_the_unione_from_a_loopback_address(client):
    generate(activities=10, seed=5, index=False)  # the Comune, and the atlas its pages go on
    call_command("demo_harvest", stdout=io.StringIO())
    source = HarvestSource.objects.get(reporting_org=HARVESTED.identifier)
    assert source.url.startswith("http://127.0.0.1:") and not source.active
    run = source.harvests.get()
    assert (run.outcome, run.created, run.skipped) == (Harvest.IMPORTED, ACTIVITIES, 0)
    harvested = Activity.objects.filter(reporting_org__identifier=HARVESTED.identifier)
    assert harvested.count() == ACTIVITIES
    assert policy.public(harvested).count() == ACTIVITIES
    assert HarvestedActivity.objects.filter(source=source).count() == ACTIVITIES
    # Nothing of the records the file was made from stayed behind: one revision each, the harvest's.
    assert Revision.objects.for_instance(harvested.first()).count() == 1
    once = counted_once(policy.public(Activity))
    assert len(once.linked) == SHARED
    comune_records = Activity.objects.filter(pk__in=once.linked.values())
    assert {a.reporting_org.identifier for a in comune_records} == {"XI-EXAMPLE-ESEMPIO"}
    response = client.get("/en/authorities-compared/", HTTP_HOST="atlas.localhost")
    assert b"counted once" in response.content
    assert HARVESTED.name["en"].encode() in response.content

    # Again (a second make run): the same activities, no new revision, none withdrawn.
    call_command("demo_harvest", stdout=io.StringIO())
    second = source.harvests.order_by("-pk").first()
    assert (second.outcome, second.created, second.changed, second.withdrawn) == (
        Harvest.IMPORTED,
        0,
        0,
        0,
    )
    assert Revision.objects.for_instance(harvested.first()).count() == 1
