"""a sub-platform's header counts from its indexes alone: (platform_id, due_at, id) over escalated cases still with
a unit; id appended to (platform_id, state, received_at)

The staff header counts a county dispatcher's tabs on every page (each tab capped, then the union of their ids).
The overdue tab went through the city-wide partial index on due_at, walking the whole city's overdue cases and
fetching each row to check its platform (25 ms warm, 60-90 ms cold at 560 k cases); the state tabs fetched every
row for its id. With the platform first and the id in the index, each count is an index-only range: the header's
count statement 32 -> 6 ms (overdue part 25 -> 0.3 ms).

Revision ID: f4c2a7d9e1b3
Revises: e3b9d1c7a5f2
Create Date: 2026-11-27 15:40:00

"""
from alembic import op
from sqlalchemy import text

# revision identifiers, used by Alembic.
revision = 'f4c2a7d9e1b3'
down_revision = 'e3b9d1c7a5f2'
branch_labels = None
depends_on = None

OVERDUE_OPEN = text("escalated_at IS NOT NULL AND state IN ('assigned', 'handling')")


def upgrade():
    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.create_index('ix_case_overdue_platform_due_at', ['platform_id', 'due_at', 'id'], unique=False,
                              postgresql_where=OVERDUE_OPEN, sqlite_where=OVERDUE_OPEN)
        batch_op.drop_index('ix_case_platform_state_received_at')
        batch_op.create_index('ix_case_platform_state_received_at_id', ['platform_id', 'state', 'received_at', 'id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.drop_index('ix_case_platform_state_received_at_id')
        batch_op.create_index('ix_case_platform_state_received_at', ['platform_id', 'state', 'received_at'],
                              unique=False)
        batch_op.drop_index('ix_case_overdue_platform_due_at')
