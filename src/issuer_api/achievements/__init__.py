"""Achievements (badge classes): versioned OB 3.0 Achievement documents."""
