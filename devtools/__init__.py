"""Developer tools for hobopy: the local stack, the database commands and checks.

Nothing in here is imported by ``backend/``; it never goes to Lambda.
"""
