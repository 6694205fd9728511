"""Channels services: every write the channels app makes goes through one of these modules."""
