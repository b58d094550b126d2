"""Self-service pages: activation, forgotten password, password change, the account page.

These pages orchestrate the account layer (``idp/accounts``) with the session and token
layers (ending sessions and refresh tokens after a reset), which is why they live beside
``idp/login`` rather than inside ``idp/accounts``.
"""
