"""registration invites count failed attempts (spent after a few)

Revision ID: hostile_1
Revises: grades01
Create Date: 2026-12-02 09:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'hostile_1'
down_revision = 'grades01'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('lti_registration_invite', schema=None) as batch_op:
        batch_op.add_column(sa.Column('failed_attempts', sa.Integer(), server_default='0', nullable=False))


def downgrade():
    with op.batch_alter_table('lti_registration_invite', schema=None) as batch_op:
        batch_op.drop_column('failed_attempts')
