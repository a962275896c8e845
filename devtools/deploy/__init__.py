"""Deploying: the deploy checks and the offline package (``hobopy preflight``, ``hobopy package``), publishing a
deployed stage's UI (``make deploy``) and the smoke check of a running app (CI)."""
