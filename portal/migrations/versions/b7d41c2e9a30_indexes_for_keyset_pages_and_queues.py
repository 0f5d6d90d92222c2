"""indexes for keyset pages and work queues (city scale)

Revision ID: b7d41c2e9a30
Revises: a3c5e7f9b2d4
Create Date: 2026-11-27 09:10:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'b7d41c2e9a30'
down_revision = 'a3c5e7f9b2d4'
branch_labels = None
depends_on = None

CASE_INDEXES = (
    ("ix_case_received_at_id", ["received_at", "id"]),
    ("ix_case_state_received_at_id", ["state", "received_at", "id"]),
    ("ix_case_platform_received_at_id", ["platform_id", "received_at", "id"]),
    ("ix_case_lead_unit_received_at_id", ["lead_unit_id", "received_at", "id"]),
    ("ix_case_lead_unit_state_due_at", ["lead_unit_id", "state", "due_at"]),
    ("ix_case_state_due_at", ["state", "due_at"]),
    ("ix_case_category_county_received_at", ["category_id", "county_id", "received_at"]),
)
OVERDUE_OPEN = sa.text("escalated_at IS NOT NULL AND state IN ('assigned', 'handling')")


def upgrade():
    with op.batch_alter_table('case', schema=None) as batch_op:
        for name, columns in CASE_INDEXES:
            batch_op.create_index(name, columns, unique=False)
        batch_op.create_index("ix_case_overdue_due_at", ["due_at"], unique=False, postgresql_where=OVERDUE_OPEN,
                              sqlite_where=OVERDUE_OPEN)
    with op.batch_alter_table('case_unit', schema=None) as batch_op:
        batch_op.create_index('ix_case_unit_unit_active_case', ['unit_id', 'active', 'case_id'], unique=False)


def downgrade():
    with op.batch_alter_table('case_unit', schema=None) as batch_op:
        batch_op.drop_index('ix_case_unit_unit_active_case')
    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.drop_index("ix_case_overdue_due_at")
        for name, _columns in reversed(CASE_INDEXES):
            batch_op.drop_index(name)
