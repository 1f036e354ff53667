"""What is loaded at start-up lives until exit: keep the garbage collector from scanning it again and again.

Python's full (oldest-generation) collection walks every tracked object. With SQLAlchemy's ORM, pydantic
and Textual loaded that is hundreds of thousands of objects, and one such collection stopped the
console's event loop for up to 200 ms (bench/console_feed.py, gc callbacks): a key, a feed line or a
frame waited for it. `gc.freeze()` moves everything alive now into a generation no collection visits,
so later collections see only what was made since. Call it once the long-lived modules are loaded; a
second call after more are loaded is cheap and freezes those too.
"""

from __future__ import annotations

import gc


def freeze_loaded() -> None:
    """Leave everything alive now out of every later collection (it is modules, classes and caches)."""
    gc.freeze()
