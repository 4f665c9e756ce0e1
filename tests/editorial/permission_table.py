"""What each role may do, written once: the permission-matrix test exercises it through the
admin, checks the access policy against it, and the deploy guide's table is checked against it.

Each cell is the set of actions allowed, as letters: v(iew), e(dit), p(ublish), d(elete),
b(ulk delete). "own" is an object of the authority the user works for (for a partner's contact:
an activity their organisation joins); "other" is another authority's. Administrators work on
every authority, so both columns are theirs.
"""

from __future__ import annotations

PARTNER, EDITOR, REVIEWER, ADMINISTRATOR = "Partner", "Editor", "Reviewer", "Administrator"
ROLES = (PARTNER, EDITOR, REVIEWER, ADMINISTRATOR)
RELATIONS = ("own", "other")
ACTIONS = {"v": "view", "e": "edit", "p": "publish", "d": "delete", "b": "bulk"}

RECORDS = ("activity", "initiative", "exchange", "partnership", "plan")
# A partner named by one authority's records, one named by several ("shared"), the authority.
ORGANISATIONS = ("organisation", "shared organisation", "reporting authority")
FILES = ("document", "image")
KINDS = (*RECORDS, *ORGANISATIONS, *FILES, "page")

NOTES = {
    "activity": "a partner's contact edits only the texts, as a proposal",
    "organisation": "a partner organisation named by one authority's records",
    "shared organisation": "an editor's change is saved as a draft; a reviewer publishes it",
    "reporting authority": "only administrators tick or untick “reporting authority”",
    "document": "in the authority's collection; documents and images have no publishing",
    "image": "in the authority's collection",
    "page": "in the authority's section; pages outside any section are the administrators'",
}

_RECORD = {PARTNER: "", EDITOR: "ve", REVIEWER: "vep", ADMINISTRATOR: "vepdb"}
_FILE = {PARTNER: "", EDITOR: "vedb", REVIEWER: "vedb", ADMINISTRATOR: "vedb"}

# role → kind → own; "other" is the same for administrators and nothing for anyone else.
OWN: dict[str, dict[str, str]] = {
    role: {
        **{kind: _RECORD[role] for kind in RECORDS},
        "organisation": {PARTNER: "", EDITOR: "vep", REVIEWER: "vep", ADMINISTRATOR: "vepdb"}[role],
        "shared organisation": {
            PARTNER: "",
            EDITOR: "ve",
            REVIEWER: "vep",
            ADMINISTRATOR: "vepdb",
        }[role],
        "reporting authority": {
            PARTNER: "",
            EDITOR: "vep",
            REVIEWER: "vep",
            ADMINISTRATOR: "vepdb",
        }[role],
        **{kind: _FILE[role] for kind in FILES},
        "page": {PARTNER: "", EDITOR: "ve", REVIEWER: "vepdb", ADMINISTRATOR: "vepdb"}[role],
    }
    for role in ROLES
}
# A partner's contact edits the texts of the activities their organisation joins.
OWN[PARTNER]["activity"] = "ve"


def expected(role: str, relation: str, kind: str) -> str:
    """Return the letters of the actions ``role`` may perform on ``kind`` (own or other's)."""
    if relation == "other" and role != ADMINISTRATOR:
        return ""
    return OWN[role][kind]


def cases() -> list[tuple[str, str, str]]:
    return [(role, relation, kind) for role in ROLES for relation in RELATIONS for kind in KINDS]


def _cell(letters: str) -> str:
    return ", ".join(ACTIONS[letter] for letter in ACTIONS if letter in letters) or "—"


def markdown_table() -> str:
    """Render the table for the deploy guide (``python -m tests.editorial.permission_table``)."""
    head = [
        "What",
        *[f"{role}: own" for role in ROLES[:3]],
        "Partner, Editor, Reviewer: another authority's",
        "Administrator: any authority",
    ]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for kind in KINDS:
        others = {_cell(expected(role, "other", kind)) for role in ROLES[:3]}
        assert len(others) == 1, "the table's column assumes one answer for the three roles"
        cells = [_cell(expected(role, "own", kind)) for role in ROLES[:3]]
        cells += [others.pop(), _cell(expected(ADMINISTRATOR, "other", kind))]
        lines.append(f"| {kind} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown_table())
