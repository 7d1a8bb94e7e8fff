"""Time-series stores behind one small interface: write samples and events, read them back."""
from telemetry.stores.base import DeviceTags, PermanentWriteError, TimeSeriesStore, TransientWriteError

__all__ = ["DeviceTags", "PermanentWriteError", "TimeSeriesStore", "TransientWriteError"]
