"""an index for a sub-platform dispatcher's queue: (platform_id, state, received_at)

A county sub-platform's dispatcher sees the cases of one platform; each queue tab is one state, oldest first, and
the staff header counts them on every page. Without this index PostgreSQL intersected a bitmap of the platform's
every case (≈ 420,000 at the scale of a 10 M city) with the state's: 70–110 ms per count. With it, an index range.

Revision ID: e3b9d1c7a5f2
Revises: 54c97b83f051
Create Date: 2026-11-27 13:50:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = 'e3b9d1c7a5f2'
down_revision = '54c97b83f051'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.create_index('ix_case_platform_state_received_at', ['platform_id', 'state', 'received_at'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.drop_index('ix_case_platform_state_received_at')
