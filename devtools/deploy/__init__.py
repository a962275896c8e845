"""Deploying: publishing a deployed stage's UI (``make deploy``) and the smoke check of a running app (CI)."""
