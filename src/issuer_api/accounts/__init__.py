"""Learners' own access to the hub: web sessions and CSRF protection of their forms."""
