pytest_plugins = [
    "tests.plugins.database",
    "tests.plugins.backend",
    "tests.plugins.stats",
]
