"""``hobopy preflight`` and ``hobopy package`` (``make package``): the deploy checks and the offline package."""
