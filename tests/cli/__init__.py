"""The ``obhub`` command line contract (exit codes, output, files)."""
