"""Element helpers, JavaScript values made Python ones, and the clock."""


def by_id(name):
    return document.getElementById(name)


def make(tag, class_name, text):
    node = document.createElement(tag)
    if class_name:
        node.className = class_name
    if text is not None:
        node.textContent = text
    return node


def add_options(select, pairs):
    """Fill ``select`` with an option per ``[value, text]`` pair."""
    for pair in pairs:
        option = make("option", None, pair[1])
        option.value = pair[0]
        select.appendChild(option)


def show_text(node, text):
    """Put ``text`` into ``node`` and show it; None empties and hides it."""
    node.textContent = "" if text is None else text
    node.hidden = text is None


def focus_by_id(element_id):
    """Focus the element with ``element_id``; False when there is none."""
    node = by_id(element_id)
    if node == None:  # noqa: E711 (getElementById gives null)
        return False
    node.focus()
    return True


def mark_busy(form, button, busy):
    """A form waiting for its answer: its button off, and busy for screen readers."""
    button.disabled = busy
    form.setAttribute("aria-busy", "true" if busy else "false")


def as_dict(value):
    """A JSON object as a dict (the logic modules call ``.get``), or None for anything else."""
    if value == None or Object.prototype.toString.call(value) != "[object Object]":  # noqa: E711 (also undefined)
        return None
    return dict(value)


def as_tree(value):
    """Parsed JSON with every object, however deep, made a dict (``as_dict`` converts only the top)."""
    if Array.isArray(value):
        return [as_tree(item) for item in value]
    source = as_dict(value)
    if source is None:
        return value
    result = {}
    for key in source.keys():  # noqa: SIM118 (Transcrypt's dicts are iterated through keys())
        result[key] = as_tree(source[key])
    return result


def now():
    """Seconds since the epoch, as the account module counts them."""
    return Date.now() / 1000


def config():
    """The page's configuration (``config.js``) as a dict, or None when it did not load."""
    frozen = window.hobopyConfig
    if frozen == None:  # noqa: E711 (undefined when config.js did not load)
        return None
    # A copy: Transcrypt's dict() marks the object it is given, and config.js freezes its object.
    return as_dict(as_tree(JSON.parse(JSON.stringify(frozen))))


def absolute_url(url):
    """``url`` resolved against the page's own address (``/api/`` becomes ``http://host:port/api/``)."""
    return __new__(URL(url, window.location.href)).href
