"""The ingestion worker: MQTT in, time-series store and booking service out."""
