"""The service worker that keeps the app's files on the device (``sw.py``), registered once the list is shown."""

from todoui import shell


async def register():
    container = navigator.serviceWorker
    if container == None:  # noqa: E711 (no workers: a page served over plain http from another host, or an old browser)
        return
    options = Object()
    options.js_type = "module"  # plain .type would become Transcrypt's py_metatype
    options.scope = "./"
    try:  # noqa: SIM105 (Transcrypt has no contextlib)
        await container.register(shell.WORKER, options)
    except:  # noqa: E722 (a browser without module workers: the app works, online only)
        pass


def start(loading):
    """Register once ``loading`` (the list's first load) is done: the worker's download never delays the list."""
    loading.then(lambda ignored: register())
