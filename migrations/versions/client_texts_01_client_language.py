"""assessment_client: language_enc (the language the person reads best, sealed like the pseudonym); organisation:
public_name and privacy_contact (who the person's notice and consent texts name, and how to reach them)

Revision ID: client_texts_01
Revises: i18n01
Create Date: 2026-12-02 13:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'client_texts_01'
down_revision = 'i18n01'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('assessment_client', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language_enc', sa.LargeBinary(), nullable=True))
    with op.batch_alter_table('assessment_organisation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('public_name', sa.String(length=200), server_default='', nullable=False))
        batch_op.add_column(sa.Column('privacy_contact', sa.Text(), server_default='', nullable=False))


def downgrade():
    with op.batch_alter_table('assessment_organisation', schema=None) as batch_op:
        batch_op.drop_column('privacy_contact')
        batch_op.drop_column('public_name')
    with op.batch_alter_table('assessment_client', schema=None) as batch_op:
        batch_op.drop_column('language_enc')
