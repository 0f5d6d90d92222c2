"""salon event log: an append-only record of every salon state change

Revision ID: a7c3e1f0b2d4
Revises: b7d41e2a9c05
Create Date: 2026-11-27 10:15:00.000000

"""
from alembic import op
import sqlalchemy as sa

import portal.models.base


# revision identifiers, used by Alembic.
revision = 'a7c3e1f0b2d4'
down_revision = 'b7d41e2a9c05'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('salon_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('salon_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=24), nullable=False),
    sa.Column('from_state', sa.String(length=24), nullable=True),
    sa.Column('to_state', sa.String(length=24), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('at', portal.models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['user.id'], name=op.f('fk_salon_event_actor_id_user')),
    sa.ForeignKeyConstraint(['salon_id'], ['salon.id'], name=op.f('fk_salon_event_salon_id_salon')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_salon_event'))
    )
    with op.batch_alter_table('salon_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_salon_event_salon_id'), ['salon_id'], unique=False)


def downgrade():
    with op.batch_alter_table('salon_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_salon_event_salon_id'))
    op.drop_table('salon_event')
