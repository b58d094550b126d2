"""Examples around idp: the demo member directory (``members.csv``) and two demo relying
parties, ``examples.health_portal`` and ``examples.provident_portal`` (``make demo``)."""
