"""The service worker's decisions: which requests it answers with the app's files kept on the device.

The worker (``sw.py``) keeps exactly the files of one build in a cache named
after the build's version; a page navigation to the app, or a request for one
of those files, is answered from it, with or without a network. Everything
else, the API under ``/api/`` above all, goes to the network as if there were
no worker.
"""

# The worker's script, at the site's root so that it serves the whole site.
WORKER = "sw.js"
CACHE_PREFIX = "hobopy-shell-"
PAGE = "index.html"


def cache_name(version):
    return CACHE_PREFIX + version


def shell_path(url, scope, files, navigate):
    """The app's file a GET of ``url`` asks for (its path under ``scope``), or None to leave it to the network.

    ``files``: the paths of the build's files; ``navigate``: the request
    opens a page, which is the app's page at the scope or at ``index.html``
    (its query is the page's own business).
    """
    if not url.startswith(scope):
        return None
    path = url[len(scope) :]
    for mark in ["#", "?"]:
        cut = path.find(mark)
        if cut >= 0:
            if mark == "?" and not navigate:
                return None
            path = path[:cut]
    if navigate:
        return PAGE if path == "" or path == PAGE else None
    return path if path in files else None


def stale_caches(names, current):
    """The caches of earlier builds (the worker's own prefix, another version), to delete once this build serves."""
    return [name for name in names if name.startswith(CACHE_PREFIX) and name != current]
