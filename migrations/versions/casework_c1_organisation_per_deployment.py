"""Organisations per deployment: an organisation is a platform (as before) or one deployment of it

Existing organisations stay where they are: each becomes its platform's organisation ("platform:<id>").

Revision ID: casework_c1
Revises: casework_b1
Create Date: 2026-12-02 09:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'casework_c1'
down_revision = 'casework_b1'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('assessment_organisation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('deployment_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('scope_key', sa.String(length=40), nullable=True))
    op.execute("UPDATE assessment_organisation SET scope_key = 'platform:' || CAST(platform_id AS VARCHAR(20))")
    with op.batch_alter_table('assessment_organisation', schema=None) as batch_op:
        batch_op.alter_column('scope_key', existing_type=sa.String(length=40), nullable=False)
        batch_op.drop_constraint('uq_assessment_organisation_platform_id', type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_assessment_organisation_scope_key'), ['scope_key'])
        batch_op.create_index(batch_op.f('ix_assessment_organisation_platform_id'), ['platform_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_assessment_organisation_deployment_id_lti_deployment'),
                                    'lti_deployment', ['deployment_id'], ['id'], ondelete='SET NULL')


def downgrade():
    # Back to one organisation per platform: deployment organisations must have been merged or removed first.
    with op.batch_alter_table('assessment_organisation', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_assessment_organisation_deployment_id_lti_deployment'),
                                 type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_assessment_organisation_platform_id'))
        batch_op.drop_constraint(batch_op.f('uq_assessment_organisation_scope_key'), type_='unique')
        batch_op.create_unique_constraint('uq_assessment_organisation_platform_id', ['platform_id'])
        batch_op.drop_column('scope_key')
        batch_op.drop_column('deployment_id')
