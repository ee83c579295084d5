"""platforms list the extra hosts their grade and roster services may be on

Revision ID: hostile_2
Revises: hostile_1
Create Date: 2026-12-02 09:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'hostile_2'
down_revision = 'hostile_1'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('lti_platform', schema=None) as batch_op:
        batch_op.add_column(sa.Column('service_hosts', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('lti_platform', schema=None) as batch_op:
        batch_op.drop_column('service_hosts')
