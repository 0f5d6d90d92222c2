"""a unit's co-handling tab and header count from the index alone: role in (unit_id, active, role, case_id)

The co-handling tab (and its arm of the staff header count) asks for a unit's active case_unit rows with role
"co". The index (unit_id, active, case_id) found every active row of the unit and fetched each to read its role:
78,000 row reads for a busy unit at 1 M cases on SQLite (40 ms, twice per unit queue page) to find none. With the
role before the case id the co rows are one index range, and the unit's scope (unit_id, active) still reads case
ids from the index alone.

Revision ID: a8e5c3f1d7b2
Revises: f4c2a7d9e1b3
Create Date: 2026-11-27 18:15:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = 'a8e5c3f1d7b2'
down_revision = 'f4c2a7d9e1b3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('case_unit', schema=None) as batch_op:
        batch_op.create_index('ix_case_unit_unit_active_role_case', ['unit_id', 'active', 'role', 'case_id'],
                              unique=False)
        batch_op.drop_index('ix_case_unit_unit_active_case')


def downgrade():
    with op.batch_alter_table('case_unit', schema=None) as batch_op:
        batch_op.create_index('ix_case_unit_unit_active_case', ['unit_id', 'active', 'case_id'], unique=False)
        batch_op.drop_index('ix_case_unit_unit_active_role_case')
