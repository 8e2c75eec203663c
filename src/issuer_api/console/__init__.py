"""The Region's console (``/console``): staff sign-in and the pages that govern the hub."""
