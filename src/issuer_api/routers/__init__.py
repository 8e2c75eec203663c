"""HTTP routers: thin endpoints that parse, call a service and shape the answer."""
