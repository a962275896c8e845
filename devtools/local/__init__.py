"""``hobopy run``: the local stack and its parts (engine, identity provider, API and the HTTP door they share)."""
