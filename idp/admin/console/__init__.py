"""The staff console: server-rendered pages under ``/admin/`` for admins (everything) and
advisers (member support and the audit log), signed in with a password and a TOTP app.

One module per surface: ``sign_in`` and ``setup`` (reachable before sign-in), ``home``,
``members``, ``clients`` and ``audit``; ``blueprint`` holds the role checks every page route
declares, ``session`` the ``idp_admin`` sessions in Redis.
"""
