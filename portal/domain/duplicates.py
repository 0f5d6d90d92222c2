"""Similar open cases (并单 candidates): same category and county, similar words."""
from sqlalchemy import select

from portal.domain import publication, scope
from portal.extensions import db
from portal.models import Case


def _bigrams(text: str) -> set[str]:
    text = "".join(ch for ch in (text or "") if ch.isalnum())
    return {text[i:i + 2] for i in range(len(text) - 1)}


def similarity(a: str, b: str) -> float:
    x, y = _bigrams(a), _bigrams(b)
    return len(x & y) / len(x | y) if x and y else 0.0


def similar_open_cases(category_id: int | None, county_id: int | None, text: str, *, exclude_id: int | None = None,
                       published_only: bool = False, viewer=None, limit: int = 5, threshold: float = 0.12,
                       candidates: int = 200) -> list[tuple[Case, float]]:
    """Open cases in the same category and county whose title + description resemble `text`, best first.

    Staff (`viewer`) see only cases in their scope; `published_only` (citizens): only public cases."""
    if not category_id or not county_id or len(text or "") < 4:
        return []
    if viewer is None and not published_only:
        raise ValueError("similar cases need a viewer's scope or published_only")
    base = scope.visible_cases(viewer) if viewer is not None else select(Case)
    query = (base.where(Case.category_id == category_id, Case.county_id == county_id,
                                Case.state.in_(Case.OPEN_STATES))
             .order_by(Case.received_at.desc()).limit(candidates))
    if exclude_id:
        query = query.where(Case.id != exclude_id)
    if published_only:  # a citizen sees only what other citizens allowed to publish
        query = query.where(publication.public_clause())
    scored = [(case, similarity(text, f"{case.title} {case.description}")) for case in db.session.scalars(query)]
    scored = [pair for pair in scored if pair[1] >= threshold]
    return sorted(scored, key=lambda pair: -pair[1])[:limit]
