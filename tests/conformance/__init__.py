"""W3C conformance suites run against the credential core (see each module's docstring)."""
