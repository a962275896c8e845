"""``hobopy ui``: the browser UI built by Transcrypt, and the local server of the built site."""
