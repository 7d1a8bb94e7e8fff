"""The stream side of LabShare: MQTT contract, ingestion worker, time-series stores (issue 3)."""
