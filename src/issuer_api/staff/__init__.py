"""The Region's staff: accounts, roles, sign-in and sessions of the console."""
