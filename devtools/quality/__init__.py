"""``make fuzz``, ``make loadtest`` and ``make bench``: checking and measuring the API the way it runs."""
