"""The demo loader reproduces the seed's figures: 6 salons, 72 unique participants, 39 suggestions."""
from sqlalchemy import func, select

from portal.domain import salon_stats
from portal.extensions import db
from portal.models import Case, Participant, Person, Salon, Suggestion


def test_demo_reproduces_the_seed(app):
    from portal.demo import reference
    from portal.demo import salons as demo_salons

    with app.app_context():
        ref = reference.load_reference()
        demo_salons.load(ref)
        db.session.commit()
        assert db.session.scalar(select(func.count(Salon.id))) == 6
        assert db.session.scalar(select(func.count(Person.id))) == 72
        assert db.session.scalar(select(func.count(Suggestion.id))) == 39
        stats = salon_stats.statistics()
        assert (stats.held, stats.participants, stats.suggestions) == (6, 72, 39)
        outcomes = dict(db.session.execute(select(Suggestion.outcome, func.count(Suggestion.id))
                                           .group_by(Suggestion.outcome)).all())
        assert set(outcomes) == {"pending", "adopted", "in_hand", "not_adopted"}
        assert stats.adopted == outcomes["adopted"] and stats.pending == 2
        states = {s.state for s in db.session.scalars(select(Salon))}
        assert states == {"outcomes_published", "closed"}
        # adopted suggestions became tea-salon cases through the workflow, in varied states
        case_states = set(db.session.scalars(select(Case.state).join(Suggestion, Suggestion.case_id == Case.id)
                                             .where(Suggestion.outcome == "adopted")))
        assert {"closed", "awaiting_evaluation", "handling", "dissatisfied"} <= case_states
        assert all(c.channel == "tea_salon" for c in db.session.scalars(
            select(Case).join(Suggestion, Suggestion.case_id == Case.id).where(Suggestion.outcome == "adopted")))
        assert stats.rated > 0 and 0 < stats.satisfaction_rate < 1
        assert db.session.scalar(select(func.count(Participant.id)).where(Participant.state == "waitlisted")) == 1
