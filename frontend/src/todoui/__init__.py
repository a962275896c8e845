"""The todo UI's logic: plain Python that CPython imports for tests and Transcrypt compiles for the browser.

Both runtimes must agree, so these modules keep to what behaves the same in
each: no negative indexes, no truth tests of lists or dicts (an empty JS array
is true), no ``x is None`` on values that may be JavaScript's ``undefined``,
no exceptions from JavaScript caught by class, and ``dict``/``list`` values
compared by content, never with ``==``.
"""
