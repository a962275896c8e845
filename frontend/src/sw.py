"""The service worker: the app's own files kept on the device, so that the page opens without a network.

The build writes ``SHELL`` (JSON text): this build's version and its files,
each with its SHA-256 as a subresource integrity. Installing fetches exactly
those bytes into a cache named after the version (a file that changed on the
way fails the install, which the browser tries again later); activating drops
the caches of earlier builds. A new build changes ``SHELL``, hence this
script, hence a new install. The page and its files are then answered from
the cache, online or not; nothing else is touched (the API's answers are
never cached). Which requests those are is decided in ``todoui.shell``.
"""

from todoui import shell

SHELL = "{{shell}}"
BUILD = JSON.parse(SHELL)
FILES = [entry[0] for entry in BUILD.files]
CACHE = shell.cache_name(BUILD.version)


def scope():
    return globalThis.registration.scope


async def fetch_into(cache, entry):
    options = Object()
    options.integrity = entry[1]
    options.cache = "no-cache"
    request = __new__(Request(scope() + entry[0], options))
    response = await fetch(request)
    if not response.ok:
        raise Exception("the build's file " + entry[0] + " answered " + str(response.status))
    await cache.put(scope() + entry[0], response)


async def install():
    cache = await caches.open(CACHE)
    await Promise.all([fetch_into(cache, entry) for entry in BUILD.files])
    await globalThis.skipWaiting()


async def activate():
    names = await caches.js_keys()
    for name in shell.stale_caches(names, CACHE):
        await caches.delete(name)
    await globalThis.clients.claim()


async def answer(request, path):
    cache = await caches.open(CACHE)
    found = await cache.match(scope() + path)
    if found != None:  # noqa: E711 (undefined when the cache lost it)
        return found
    return await fetch(request)


def on_fetch(event):
    request = event.request
    if request.method != "GET":
        return
    path = shell.shell_path(request.url, scope(), FILES, request.mode == "navigate")
    if path is not None:
        event.respondWith(answer(request, path))


globalThis.addEventListener("install", lambda event: event.waitUntil(install()))
globalThis.addEventListener("activate", lambda event: event.waitUntil(activate()))
globalThis.addEventListener("fetch", on_fetch)
