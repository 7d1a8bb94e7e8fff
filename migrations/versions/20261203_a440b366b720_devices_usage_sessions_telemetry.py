"""Devices, usage sessions, and the tables of the SQL time-series store.

Revision ID: a440b366b720
Revises: 9b4ece453404
Create Date: 2026-12-03

Reviewed by hand. Telemetry rows are unique per (device, boot, seq) so that a redelivered
MQTT message inserts nothing.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a440b366b720'
down_revision = '9b4ece453404'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('devices',
    sa.Column('device_id', sa.String(length=64), nullable=False),
    sa.Column('instrument_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('in_use_threshold_w', sa.Float(), nullable=False),
    sa.Column('report_interval_s', sa.Float(), nullable=False),
    sa.Column('online', sa.Boolean(), nullable=False),
    sa.Column('last_seen_dt', sa.DateTime(timezone=True), nullable=True),
    sa.Column('agent', sa.String(length=100), nullable=True),
    sa.Column('created_dt', sa.DateTime(timezone=True), nullable=False),
    sa.Column('secret_rotated_dt', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_dt', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("kind IN ('power_meter', 'pc_agent', 'smart_plug', 'other')", name=op.f('ck_devices_kind_known')),
    sa.CheckConstraint('in_use_threshold_w >= 0', name=op.f('ck_devices_threshold_not_negative')),
    sa.CheckConstraint('report_interval_s > 0', name=op.f('ck_devices_interval_positive')),
    sa.ForeignKeyConstraint(['instrument_id'], ['instruments.id'], name=op.f('fk_devices_instrument_id_instruments')),
    sa.PrimaryKeyConstraint('device_id', name=op.f('pk_devices'))
    )
    with op.batch_alter_table('devices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_devices_instrument_id'), ['instrument_id'], unique=False)

    op.create_table('usage_sessions',
    sa.Column('session_id', sa.String(length=100), nullable=False),
    sa.Column('device_id', sa.String(length=64), nullable=False),
    sa.Column('instrument_id', sa.Integer(), nullable=False),
    sa.Column('start_dt', sa.DateTime(timezone=True), nullable=False),
    sa.Column('end_dt', sa.DateTime(timezone=True), nullable=True),
    sa.Column('source', sa.String(length=8), nullable=False),
    sa.Column('void', sa.Boolean(), nullable=False),
    sa.Column('booking_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('institution_id', sa.Integer(), nullable=True),
    sa.Column('external', sa.Boolean(), nullable=False),
    sa.Column('updated_dt', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("source IN ('power', 'event')", name=op.f('ck_usage_sessions_source_known')),
    sa.CheckConstraint('end_dt IS NULL OR end_dt > start_dt', name=op.f('ck_usage_sessions_end_after_start')),
    sa.ForeignKeyConstraint(['booking_id'], ['bookings.id'], name=op.f('fk_usage_sessions_booking_id_bookings')),
    sa.ForeignKeyConstraint(['device_id'], ['devices.device_id'], name=op.f('fk_usage_sessions_device_id_devices')),
    sa.ForeignKeyConstraint(['institution_id'], ['institutions.id'], name=op.f('fk_usage_sessions_institution_id_institutions')),
    sa.ForeignKeyConstraint(['instrument_id'], ['instruments.id'], name=op.f('fk_usage_sessions_instrument_id_instruments')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_usage_sessions_user_id_users')),
    sa.PrimaryKeyConstraint('session_id', name=op.f('pk_usage_sessions'))
    )
    with op.batch_alter_table('usage_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_usage_sessions_device_id'), ['device_id'], unique=False)
        batch_op.create_index('ix_usage_sessions_instrument_start', ['instrument_id', 'start_dt'], unique=False)

    op.create_table('telemetry_events',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('device_id', sa.String(length=64), nullable=False),
    sa.Column('boot', sa.String(length=64), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('ts_ms', sa.BigInteger(), nullable=False),
    sa.Column('instrument_id', sa.Integer(), nullable=False),
    sa.Column('type', sa.String(length=32), nullable=False),
    sa.Column('user_ref', sa.String(length=200), nullable=True),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('telemetry_events', schema=None) as batch_op:
        batch_op.create_index('ix_telemetry_events_device_ts', ['device_id', 'ts_ms'], unique=False)
        batch_op.create_index('uq_telemetry_events_device_boot_seq', ['device_id', 'boot', 'seq'], unique=True)

    op.create_table('telemetry_samples',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('device_id', sa.String(length=64), nullable=False),
    sa.Column('boot', sa.String(length=64), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('ts_ms', sa.BigInteger(), nullable=False),
    sa.Column('instrument_id', sa.Integer(), nullable=False),
    sa.Column('lab_id', sa.Integer(), nullable=False),
    sa.Column('institution_id', sa.Integer(), nullable=False),
    sa.Column('metrics', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('telemetry_samples', schema=None) as batch_op:
        batch_op.create_index('ix_telemetry_samples_device_ts', ['device_id', 'ts_ms'], unique=False)
        batch_op.create_index('ix_telemetry_samples_instrument_ts', ['instrument_id', 'ts_ms'], unique=False)
        batch_op.create_index('uq_telemetry_samples_device_boot_seq', ['device_id', 'boot', 'seq'], unique=True)



def downgrade():
    with op.batch_alter_table('telemetry_samples', schema=None) as batch_op:
        batch_op.drop_index('uq_telemetry_samples_device_boot_seq')
        batch_op.drop_index('ix_telemetry_samples_instrument_ts')
        batch_op.drop_index('ix_telemetry_samples_device_ts')

    op.drop_table('telemetry_samples')
    with op.batch_alter_table('telemetry_events', schema=None) as batch_op:
        batch_op.drop_index('uq_telemetry_events_device_boot_seq')
        batch_op.drop_index('ix_telemetry_events_device_ts')

    op.drop_table('telemetry_events')
    with op.batch_alter_table('usage_sessions', schema=None) as batch_op:
        batch_op.drop_index('ix_usage_sessions_instrument_start')
        batch_op.drop_index(batch_op.f('ix_usage_sessions_device_id'))

    op.drop_table('usage_sessions')
    with op.batch_alter_table('devices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_devices_instrument_id'))

    op.drop_table('devices')
