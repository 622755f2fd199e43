"""Root conftest: the project's own tests drive pytest itself through pytester.

The conformance plugin is registered once, by its pytest11 entry point; never list it here.
"""

pytest_plugins = ["pytester"]
