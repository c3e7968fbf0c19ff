"""covering index for the band-key candidate lookup

Revision ID: 51688829cd15
Revises: 043d9a3b0dbb
Create Date: 2026-11-25 17:54:15.602318
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '51688829cd15'
down_revision: str | None = '043d9a3b0dbb'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('request_band_keys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_request_band_keys_agency_key'))
        batch_op.create_index('ix_request_band_keys_lookup', ['agency_id', 'band_key', 'received_on', 'case_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('request_band_keys', schema=None) as batch_op:
        batch_op.drop_index('ix_request_band_keys_lookup')
        batch_op.create_index(batch_op.f('ix_request_band_keys_agency_key'), ['agency_id', 'band_key'], unique=False)

