"""What the provider issues and keeps about it, below the protocol endpoints: signing keys,
authorization codes, JWT access tokens and refresh-token families, their revocation, and
reading back an ID token given as a hint. Sign-out, the account pages and the admin API use
these directly; ``idp/oidc/`` speaks the protocol on top of them."""
