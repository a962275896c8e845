"""The page's parts: the only code that touches browser globals (the DOM, fetch, timers, storage).

Each part owns one region of the page and is handed what it needs when it is
built (``main.py`` wires them). What to show and what to send is decided in
``todoui``, which the tests import; these modules run only in the browser.
"""
