"""Reference implementations of the lecture's two FastAPI apps.

``reference_app.ex1`` (hello, add, user, items) and ``reference_app.ex2`` (the model API) each
expose ``create_app()`` and a module-level ``app = create_app()``. They answer every request
the lecture shows exactly as the lecture prints it, and answer a clear 4xx where the lecture's
code would crash (500) or corrupt its state.
"""
