"""Deployments seen first in a launch: a per-platform policy, pending deployments, where each came from

Canvas returns no deployment id at registration; each install (account, sub-account, course) brings its own.

Revision ID: a1c3d5e7f901
Revises: 2ec09d815611
Create Date: 2026-12-02 09:10:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'a1c3d5e7f901'
down_revision = '2ec09d815611'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('lti_platform') as batch:
        batch.add_column(sa.Column('deployment_policy', sa.String(length=10), server_default='approve',
                                   nullable=False))
    with op.batch_alter_table('lti_deployment') as batch:
        batch.add_column(sa.Column('pending', sa.Boolean(), server_default='0', nullable=False))
        batch.add_column(sa.Column('source', sa.String(length=20), server_default='manual', nullable=False))


def downgrade():
    with op.batch_alter_table('lti_deployment') as batch:
        batch.drop_column('source')
        batch.drop_column('pending')
    with op.batch_alter_table('lti_platform') as batch:
        batch.drop_column('deployment_policy')
