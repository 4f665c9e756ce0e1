"""The demo's harvest: a second fictional authority's portal file, harvested by the atlas.

The fictional "Unione dei Comuni di Esempio" publishes its activities on "its own portal": its
records are generated (``opencoop.demo.generator``) in a savepoint, exported as an IATI 2.03
file (``opencoop.iati.export``) and rolled back, so that the atlas holds nothing of it but what
it harvests. The file is served on a loopback port for the time of the harvest only; the atlas
registers it as a ``HarvestSource`` and harvests it with the one harvest service, as it would a
real portal. The source is then paused: the address answered only during set-up.

A few of its activities name the fictional "Comune di Esempio" as a participating organisation
together with the Comune's own record of the activity (IATI ``participating-org/@activity-id``),
when the Comune is on the atlas: the atlas's figures count each of them once.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from django.db import transaction

from opencoop.access import policy
from opencoop.activities.models import Activity, ParticipatingOrg
from opencoop.core.writes import Item, write_records
from opencoop.harvest.models import Harvest, HarvestSource
from opencoop.harvest.services import harvest_source
from opencoop.iati.export import iter_activities_xml
from opencoop.organisations.models import Organisation

from .generator import IDENTIFIER_PREFIX, AuthorityGenerator, AuthoritySpec, authority_spec

HARVESTED = AuthoritySpec(
    key="unione-dei-comuni-di-esempio",
    identifier=f"{IDENTIFIER_PREFIX}-UNIONE-ESEMPIO",
    name={
        "it": "Unione dei Comuni di Esempio (ente fittizio)",
        "en": "Example Union of Municipalities (fictional authority)",
    },
    section_slug={"it": "unione-dei-comuni-di-esempio", "en": "example-union-of-municipalities"},
)
SOURCE_NAME = "Unione dei Comuni di Esempio (portale fittizio)"
FILE_PATH = "/iati/activities.xml"
ACTIVITIES = 24
SEED = 2011
# How many of its activities name the Comune's own record of them.
SHARED = 3


class NothingHarvested(Exception):
    """The demo's file could not be built or harvested: the run's message says why."""


def authority_file(
    spec: AuthoritySpec = HARVESTED, *, activities: int = ACTIVITIES, seed: int = SEED
) -> bytes:
    """Return the fictional authority's IATI activity file; the database is left as it was."""
    with transaction.atomic():
        generator = AuthorityGenerator(spec, seed=seed, activities=activities)
        authority, home, local = generator.organisations()
        authority = _saved(authority)
        home = {key: _saved(org) for key, org in home.items()}
        local = {key: _saved(org) for key, org in local.items()}
        # Held already from an earlier harvest: the generated records take their place here.
        Activity.objects.filter(reporting_org=authority).delete()
        planned = list(generator.activities(authority, home, local))
        write_records(
            Activity,
            [Item(p.activity, p.children) for p in planned],
            publish=True,
            revisions=False,
            index=False,
        )
        records = Activity.objects.filter(reporting_org=authority).order_by("iati_identifier")
        _name_the_comunes_records(list(records[:SHARED]))
        body = b"".join(iter_activities_xml(records, base_url=""))
        transaction.set_rollback(True)
    return body


def _saved(organisation: Organisation) -> Organisation:
    """Save a generated organisation, or take the one already held under its identifier."""
    found = Organisation.objects.filter(identifier=organisation.identifier).first()
    if found is not None:
        return found
    organisation.save()
    return organisation


def _name_the_comunes_records(activities: list[Activity]) -> None:
    """Make the Comune a participant of ``activities``, each with one of its own records."""
    comune = Organisation.objects.filter(identifier=authority_spec(0).identifier).first()
    if comune is None:
        return
    own = policy.public(Activity).filter(reporting_org=comune).order_by("iati_identifier")
    for activity, record in zip(activities, own, strict=False):
        ParticipatingOrg.objects.create(
            activity=activity,
            organisation=comune,
            role="1",
            participant_activity_id=record.iati_identifier,
        )


@dataclass
class _Served:
    body: bytes
    url: str = ""


def _handler(served: _Served) -> type[BaseHTTPRequestHandler]:
    etag = f'"{hashlib.sha256(served.body).hexdigest()[:16]}"'

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path != FILE_PATH:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/xml")
            self.send_header("Content-Length", str(len(served.body)))
            self.send_header("ETag", etag)
            self.end_headers()
            self.wfile.write(served.body)

        def log_message(self, *args) -> None:
            pass

    return Handler


def harvest_demo_authority() -> Harvest:
    """Serve the fictional authority's file on a loopback port and let the atlas harvest it."""
    served = _Served(authority_file())
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(served))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}{FILE_PATH}"
        source, _created = HarvestSource.objects.update_or_create(
            reporting_org=HARVESTED.identifier,
            defaults={"name": SOURCE_NAME, "url": url, "active": False},
        )
        # A new address each time: what was remembered of the last one does not apply.
        source.etag = source.last_modified = source.checksum = ""
        run = harvest_source(source)
    finally:
        server.shutdown()
        server.server_close()
    if run.outcome != Harvest.IMPORTED:
        raise NothingHarvested(run.message)
    return run
