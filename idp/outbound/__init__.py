"""Outbound requests that cannot reach us (docs/security.md, "Outbound requests").

Every URL idp calls on a relying party's word (back-channel logout today; ``jwks_uri`` and
sector identifiers later) goes through this package: ``guard.check_url`` when the URL is
registered, ``client.request`` when it is called. ``addresses.py`` says which addresses are
refused and reads the operator's allow-list (``IDP_OUTBOUND_ALLOW``).
"""
