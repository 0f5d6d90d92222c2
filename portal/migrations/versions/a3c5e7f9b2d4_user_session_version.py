"""user.session_version: sign-out and password change end every session of the user

Revision ID: a3c5e7f9b2d4
Revises: 7cf39f74b024
Create Date: 2026-11-27 09:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'a3c5e7f9b2d4'
down_revision = '7cf39f74b024'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), server_default='1', nullable=False))


def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('session_version')
