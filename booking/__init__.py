"""LabShare booking service: the system of record, built only by :func:`create_app`."""
from booking.app import create_app

__all__ = ["create_app"]
