"""lti_user: ui_locale and ui_locale_under (the interface language a person chose in the tool's switcher, and the
language their platform sent when they chose it, so a later change of language in the platform wins again)

Revision ID: i18n01
Revises: perf01
Create Date: 2026-12-02 09:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'i18n01'
down_revision = 'perf01'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('lti_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ui_locale', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('ui_locale_under', sa.String(length=35), nullable=True))


def downgrade():
    with op.batch_alter_table('lti_user', schema=None) as batch_op:
        batch_op.drop_column('ui_locale_under')
        batch_op.drop_column('ui_locale')
