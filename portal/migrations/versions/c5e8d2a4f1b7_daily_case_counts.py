"""daily case counts (pre-aggregated public statistics, back-filled from the cases); indexes for the rankings

Revision ID: c5e8d2a4f1b7
Revises: 1a524590219f
Create Date: 2026-11-27 12:05:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c5e8d2a4f1b7'
down_revision = '1a524590219f'
branch_labels = None
depends_on = None

# The same grouping as portal.domain.daily_counts.rebuild (kept here as SQL: migrations never import the domain).
_MEASURES = ("count(*), "
             "sum(CASE WHEN state IN ('closed', 'archived') THEN 1 ELSE 0 END), "
             "sum(CASE WHEN satisfaction IN ('satisfied', 'basically_satisfied') THEN 1 ELSE 0 END), "
             "count(satisfaction), count(repeat_of_id)")


def upgrade():
    op.create_table(
        'daily_case_count',
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('dimension', sa.String(length=12), nullable=False),
        sa.Column('member', sa.String(length=24), nullable=False),
        sa.Column('received', sa.Integer(), server_default='0', nullable=False),
        sa.Column('closed', sa.Integer(), server_default='0', nullable=False),
        sa.Column('satisfied', sa.Integer(), server_default='0', nullable=False),
        sa.Column('rated', sa.Integer(), server_default='0', nullable=False),
        sa.Column('repeat_calls', sa.Integer(), server_default='0', nullable=False),
        sa.PrimaryKeyConstraint('day', 'dimension', 'member', name=op.f('pk_daily_case_count')),
    )
    with op.batch_alter_table('daily_case_count', schema=None) as batch_op:
        batch_op.create_index('ix_daily_case_count_dimension_day', ['dimension', 'day'], unique=False)
    for dimension, column in (("channel", "channel"), ("county", "CAST(county_id AS VARCHAR)"),
                              ("category", "CAST(category_id AS VARCHAR)")):
        op.execute(  # nosec B608 - constant SQL: the column expressions are literals above
            "INSERT INTO daily_case_count (day, dimension, member, received, closed, satisfied, rated, repeat_calls) "
            f"SELECT received_day, '{dimension}', {column}, {_MEASURES} FROM \"case\" "
            f"WHERE received_day IS NOT NULL GROUP BY received_day, {column}")

    # the rankings: a case's latest event of a kind before another; lead assignments in a period
    with op.batch_alter_table('case_event', schema=None) as batch_op:
        batch_op.create_index('ix_case_event_case_action_id', ['case_id', 'action', 'id'], unique=False)
        batch_op.drop_index('ix_case_event_case_id')
    with op.batch_alter_table('case_unit', schema=None) as batch_op:
        batch_op.create_index('ix_case_unit_role_assigned_at', ['role', 'assigned_at', 'case_id'], unique=False)


def downgrade():
    with op.batch_alter_table('case_unit', schema=None) as batch_op:
        batch_op.drop_index('ix_case_unit_role_assigned_at')
    with op.batch_alter_table('case_event', schema=None) as batch_op:
        batch_op.create_index('ix_case_event_case_id', ['case_id'], unique=False)
        batch_op.drop_index('ix_case_event_case_action_id')
    with op.batch_alter_table('daily_case_count', schema=None) as batch_op:
        batch_op.drop_index('ix_daily_case_count_dimension_day')
    op.drop_table('daily_case_count')
