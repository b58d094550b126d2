"""Administration: the admin API under ``/admin/api/`` for service accounts
(``client_credentials`` tokens with ``idp:admin`` or ``idp:support``) and the staff console
under ``/admin/``.
"""
