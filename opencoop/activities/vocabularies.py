"""Which codelist holds the codes of each vocabulary, by part: the one table of it.

Apart from ``parts`` (which describes the models) so that the models' editing panels can offer
the same codelists as the checks, the reader and the writer, without an import circle.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

DAC_REGIONS = "1"  # RegionVocabulary: OECD DAC regions
DAC_SECTORS = "1"  # SectorVocabulary: OECD DAC CRS purpose codes (5 digits)
SDG_GOALS, SDG_TARGETS = "2", "3"  # TagVocabulary: UN SDG goals and targets
VOCABULARY_CODELISTS: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {
        "sectors": MappingProxyType({DAC_SECTORS: "Sector", "2": "SectorCategory"}),
        "recipient_regions": MappingProxyType({DAC_REGIONS: "Region"}),
        "sdg_tags": MappingProxyType({SDG_GOALS: "UNSDG-Goals", SDG_TARGETS: "UNSDG-Targets"}),
        # A transaction's aid types (AidTypeVocabulary 1: OECD DAC); other vocabularies unchecked.
        "aid_types": MappingProxyType(
            {"1": "AidType", "2": "EarmarkingCategory", "4": "CashandVoucherModalities"}
        ),
        # country-budget-items/@vocabulary 1: IATI's budget identifiers; others unchecked.
        "country_budget_items": MappingProxyType({"1": "BudgetIdentifier"}),
    }
)
SECTOR_CODELISTS = VOCABULARY_CODELISTS["sectors"]
REGION_CODELISTS = VOCABULARY_CODELISTS["recipient_regions"]
TAG_CODELISTS = VOCABULARY_CODELISTS["sdg_tags"]
# What IATI assumes when @vocabulary is absent: OECD DAC sectors (5-digit) and regions.
DEFAULT_SECTOR_VOCABULARY = DAC_SECTORS
DEFAULT_REGION_VOCABULARY = DAC_REGIONS
DEFAULT_AID_TYPE_VOCABULARY = "1"
# policy-marker/@vocabulary (PolicyMarkerVocabulary): OECD DAC CRS, the only one kept.
POLICY_MARKER_VOCABULARY = "1"


def codelist_for(relation: str, vocabulary: str) -> str | None:
    """Return the codelist of a code of ``vocabulary`` in part ``relation`` (None: unchecked)."""
    return VOCABULARY_CODELISTS.get(relation, {}).get(vocabulary)


def picker_lists(relation: str) -> list[str]:
    """Return the codelists an editor picks a code of part ``relation`` from (every vocabulary's)."""
    return list(VOCABULARY_CODELISTS[relation].values())
