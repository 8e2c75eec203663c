"""Learners: one record per person across partners, their partner badges, GDPR access
and erasure."""
