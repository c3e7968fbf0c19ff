"""Letters, fonts and annual report inputs (issue 14)

Agency: guided reconsideration body (rule + the names it needs), Art. 35 reasons period,
letterhead; cases: the Art. 35 reasons due date; agency_fonts (licensed official typefaces);
annual_report_inputs (sections 一、二、五、六 as audited agency input).

Revision ID: i14a_letters_fonts_report
Revises: dbdb01ded445
Create Date: 2026-12-02 13:40:46.156086
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = 'i14a_letters_fonts_report'
down_revision: str | None = 'dbdb01ded445'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('agency_fonts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=10), nullable=False),
    sa.Column('family', sa.String(length=200), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('path', sa.String(length=500), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('glyph_count', sa.Integer(), nullable=False),
    sa.Column('uploaded_by_user_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_agency_fonts_agency_id_agencies')),
    sa.ForeignKeyConstraint(['uploaded_by_user_id'], ['users.id'], name=op.f('fk_agency_fonts_uploaded_by_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agency_fonts')),
    sa.UniqueConstraint('agency_id', 'role', name='uq_agency_fonts_agency_role')
    )
    with op.batch_alter_table('agency_fonts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agency_fonts_agency_id'), ['agency_id'], unique=False)

    op.create_table('annual_report_inputs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('data', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('updated_by_user_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_annual_report_inputs_agency_id_agencies')),
    sa.ForeignKeyConstraint(['updated_by_user_id'], ['users.id'], name=op.f('fk_annual_report_inputs_updated_by_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_annual_report_inputs')),
    sa.UniqueConstraint('agency_id', 'year', name='uq_annual_report_inputs_agency_year')
    )
    with op.batch_alter_table('annual_report_inputs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_annual_report_inputs_agency_id'), ['agency_id'], unique=False)

    with op.batch_alter_table('agencies', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reconsideration_rule', sa.String(length=30), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('same_level_government', sa.String(length=200), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('higher_authority', sa.String(length=200), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('higher_government', sa.String(length=200), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('reasons_period_working_days', sa.Integer(), nullable=False, server_default='15'))
        batch_op.add_column(sa.Column('letterhead_enabled', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('letterhead_text', sa.String(length=100), nullable=False, server_default=''))

    # A body typed before the guided choice existed stays as a free-text ("custom") choice.
    op.execute(
        "UPDATE agencies SET reconsideration_rule = 'custom' WHERE reconsideration_body <> ''"
    )

    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reasons_due_on', sa.Date(), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_column('reasons_due_on')

    with op.batch_alter_table('agencies', schema=None) as batch_op:
        batch_op.drop_column('letterhead_text')
        batch_op.drop_column('letterhead_enabled')
        batch_op.drop_column('reasons_period_working_days')
        batch_op.drop_column('higher_government')
        batch_op.drop_column('higher_authority')
        batch_op.drop_column('same_level_government')
        batch_op.drop_column('reconsideration_rule')

    with op.batch_alter_table('annual_report_inputs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_annual_report_inputs_agency_id'))

    op.drop_table('annual_report_inputs')
    with op.batch_alter_table('agency_fonts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agency_fonts_agency_id'))

    op.drop_table('agency_fonts')
