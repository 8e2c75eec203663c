"""W3C VC-API endpoints (issue, verify, update status), for standard tooling and test suites."""
