"""Brands paused for a crisis: a row while the brand is paused (SPEC "Workflow over time")."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime


class BrandPause(Base):
    __tablename__ = "brand_pauses"

    brand_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    paused_by: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text)
    paused_at: Mapped[datetime] = mapped_column(UTCDateTime())
