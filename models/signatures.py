"""Near-duplicate signatures of revisions: the index behind the `duplicate` rule.

Each revision's MinHash signature is kept once, and its LSH band keys one row each, indexed by
(brand, key, time): finding the earlier drafts similar to a new one is an index lookup of a few
dozen keys, however long the history grows (see `bot.engine.near_duplicates`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    FetchedValue,
    ForeignKey,
    Index,
    LargeBinary,
    SmallInteger,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime


class RevisionSignature(Base):
    __tablename__ = "revision_signatures"
    # Per-process indexes load a brand's window, then read only what was committed since
    # (`bot.workflow.duplicate_index.DatabaseHistory`; migration 0006).
    __table_args__ = (
        Index("ix_revision_signatures_brand_created", "brand_id", "created_at"),
        Index("ix_revision_signatures_brand_revision", "brand_id", "revision_id"),
        Index("ix_revision_signatures_brand_txid", "brand_id", "txid"),
    )

    revision_id: Mapped[int] = mapped_column(
        ForeignKey("revisions.id"), primary_key=True, autoincrement=False
    )
    draft_id: Mapped[int] = mapped_column(ForeignKey("drafts.id"), index=True)
    brand_id: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Signatures of another version (hash count, hash functions) are not comparable.
    version: Mapped[int] = mapped_column(SmallInteger)
    minhash: Mapped[bytes] = mapped_column(LargeBinary)
    # PostgreSQL: the inserting transaction's id, set by the database (a server default, never
    # by the application), so readers can follow commits in order. SQLite: empty.
    txid: Mapped[int | None] = mapped_column(BigInteger, server_default=FetchedValue())


class SignatureBand(Base):
    __tablename__ = "signature_bands"
    # Covering: a lookup reads the revision ids from the index alone, never the table rows.
    __table_args__ = (
        Index("ix_signature_bands_lookup", "brand_id", "band_key", "created_at", "revision_id"),
    )

    revision_id: Mapped[int] = mapped_column(
        ForeignKey("revision_signatures.revision_id"), primary_key=True, autoincrement=False
    )
    band: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    band_key: Mapped[int] = mapped_column(BigInteger)
    brand_id: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
