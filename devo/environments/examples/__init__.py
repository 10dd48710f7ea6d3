"""Worked examples of user environments (see beacon.py and ../README.md)."""
