"""platform hosts paused by a 429/503 Retry-After, shared by every delivery worker

Revision ID: hostile_3
Revises: hostile_2
Create Date: 2026-12-02 09:45:00

"""
from alembic import op
import sqlalchemy as sa

import lti_tool.db


revision = 'hostile_3'
down_revision = 'hostile_2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('platform_pause',
    sa.Column('host', sa.String(length=255), nullable=False),
    sa.Column('until', lti_tool.db.UTCDateTime(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('host', name=op.f('pk_platform_pause'))
    )


def downgrade():
    op.drop_table('platform_pause')
