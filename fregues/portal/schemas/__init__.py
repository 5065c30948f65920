"""Pydantic schemas of the portal API (one module per area)."""
