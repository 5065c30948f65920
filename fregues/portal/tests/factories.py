"""Factories of the portal's records."""

from __future__ import annotations
