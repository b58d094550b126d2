"""Signing out: ending SSO sessions and what they issued (``sign_out.py``), and telling the
relying parties through back-channel logout tokens (``backchannel.py``), queued in Redis
(``queue.py``) and delivered by background threads (``worker.py``). No Flask request here:
the pages are ``oidc/end_session.py`` and ``selfservice/sessions.py``."""
