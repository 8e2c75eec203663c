"""Partners: organisations that deliver badges to the hub, their trust and their secrets."""
