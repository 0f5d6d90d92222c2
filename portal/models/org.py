"""The "1 + 8 + N" organisation: platforms, handling units, regions and the category tree."""
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import Bilingual, UTCDateTime


class Platform(Bilingual, db.Model):
    """1 city main platform, 8 county/district sub-platforms, N sector sub-platforms."""

    KINDS = ("city", "county", "sector")

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(120), default="")
    kind: Mapped[str] = mapped_column(String(16))
    region_id: Mapped[int | None] = mapped_column(ForeignKey("region.id"))
    # retired: stays on old cases and in rankings history, left out of the choices for new ones
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    region = relationship("Region")


class Unit(Bilingual, db.Model):
    """A handling unit (承办单位): a city department, a county government, a town/street office."""

    KINDS = ("city_department", "county_government", "town_street")
    # Rankings compare city departments with each other and counties with each other.
    RANKING_GROUPS = ("city_department", "county")

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(160), default="")
    kind: Mapped[str] = mapped_column(String(24))
    ranking_group: Mapped[str | None] = mapped_column(String(24))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    platform_id: Mapped[int] = mapped_column(ForeignKey("platform.id"))
    region_id: Mapped[int | None] = mapped_column(ForeignKey("region.id"))
    # retired: stays on old cases and in rankings history, left out of the choices for new ones
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    parent = relationship("Unit", remote_side=[id])
    platform = relationship("Platform")
    region = relationship("Region")


class Region(Bilingual, db.Model):
    """County/district (level 1) and town/street (level 2)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(120), default="")
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("region.id"), index=True)
    sort: Mapped[int] = mapped_column(default=0)
    # retired: stays on old cases and in rankings history, left out of the choices for new ones
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    parent = relationship("Region", remote_side=[id])

    @property
    def level(self) -> int:
        return 1 if self.parent_id is None else 2


class Category(Bilingual, db.Model):
    """Category tree, at least three levels deep (城乡建设 › 道路设施 › 路面破损). Cases take a leaf."""

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(120), default="")
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("category.id"), index=True)
    level: Mapped[int] = mapped_column(default=1)
    sort: Mapped[int] = mapped_column(default=0)
    # retired: stays on old cases and in rankings history, left out of the choices for new ones
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    parent = relationship("Category", remote_side=[id])

    @property
    def path(self) -> str:
        names, node = [], self
        while node is not None:
            names.append(node.name)
            node = node.parent
        return " › ".join(reversed(names))
