"""Who sees what (SPEC "Portal"), in one place: every query the portal runs goes through here.

An auditor of a brand sees everything of that brand (its drafts, reports and audit entries); an
approver sees the brand's drafts and reports; a submitter sees their own drafts, whatever the
brand. Everyone else is refused (403). The SQL clauses below are the only way queries restrict
rows, so a page, a search result, an export, a chart or a count cannot leak another brand.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, exists, false, or_, select

from bot.portal.roles import BrandPeople, Roles
from models import AuditEntry, Draft


@dataclass(frozen=True)
class Viewer:
    user: str
    audits: frozenset[str]
    approves: frozenset[str]
    #: brands whose submitters list names this user (not "*": that alone grants nothing to see)
    submits_for: frozenset[str]
    #: whether this user submitted any draft at all
    has_drafts: bool = False
    names: tuple[tuple[str, str], ...] = ()

    @property
    def report_brands(self) -> frozenset[str]:
        """Brands whose reports, charts and every draft this viewer sees."""
        return self.audits | self.approves

    @property
    def allowed(self) -> bool:
        """Anyone with nothing to see is refused outright (403), not shown empty pages."""
        return bool(self.report_brands or self.submits_for or self.has_drafts)

    @property
    def auditor(self) -> bool:
        return bool(self.audits)

    def brand_name(self, brand: str) -> str:
        return dict(self.names).get(brand, brand)

    def sees_reports_of(self, brand: str) -> bool:
        return brand in self.report_brands

    def sees_audit_of(self, brand: str) -> bool:
        return brand in self.audits

    def sees_draft(self, brand: str, submitter: str) -> bool:
        return brand in self.report_brands or submitter == self.user

    def drafts_clause(self) -> ColumnElement[bool]:
        """The drafts this viewer may see, as a WHERE clause on `drafts`."""
        brands = sorted(self.report_brands)
        mine = Draft.submitter == self.user
        if not brands:
            return mine
        if not self.has_drafts:
            # No OR: PostgreSQL then walks the (brand_id, id) index newest first and stops at a
            # page, instead of collecting a brand's every draft to sort them.
            return Draft.brand_id.in_(brands)
        return or_(Draft.brand_id.in_(brands), mine)

    def audit_clause(self) -> ColumnElement[bool]:
        """The audit entries this viewer may see (auditors only, their brands only)."""
        if not self.audits:
            return false()
        return AuditEntry.brand_id.in_(sorted(self.audits))


def viewer_for(user: str, roles: Roles, *, has_drafts: bool) -> Viewer:
    brands: list[BrandPeople] = roles.brands()
    return Viewer(
        user=user,
        audits=frozenset(b.brand for b in brands if user in b.auditors),
        approves=frozenset(b.brand for b in brands if user in b.approvers),
        submits_for=frozenset(b.brand for b in brands if user in b.submitters),
        has_drafts=has_drafts,
        names=tuple((b.brand, b.name) for b in brands),
    )


def has_drafts_query(user: str) -> object:
    return select(exists().where(Draft.submitter == user))
