"""Provisioning: fetch, verify and cache what a platform needs (see debian.py)."""
