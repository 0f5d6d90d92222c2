from datetime import datetime, timezone

from flask_babel import get_locale


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Bilingual:
    """Reference data carries its name in Chinese and English; `.name` follows the user's language."""

    name_zh: str
    name_en: str

    @property
    def name(self) -> str:
        try:
            locale = get_locale()
        except Exception:  # outside a request
            locale = None
        if locale is not None and locale.language == "en" and self.name_en:
            return self.name_en
        return self.name_zh


from sqlalchemy import DateTime, TypeDecorator  # noqa: E402


class UTCDateTime(TypeDecorator):
    """Stores UTC; always hands back timezone-aware datetimes, on SQLite as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)
