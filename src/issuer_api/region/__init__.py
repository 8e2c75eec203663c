"""The Region's identity as data: who runs this instance (name, scheme, website, logo,
colours, footer texts, contact), from the console, the configuration or the defaults.

* :mod:`.identity` — :class:`RegionIdentity` (pure, validated) and its defaults.
* :mod:`.store` — where it comes from (database row, ``OBHUB_REGION_*``, defaults) and
  the in-process cache pages read.
"""
