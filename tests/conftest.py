pytest_plugins = [
    "tests.plugins.database",
    "tests.plugins.backend",
    "tests.plugins.console",
    "tests.plugins.browser",
    "tests.plugins.meta",
    "tests.plugins.rasa_server",
    "tests.plugins.redis_server",
    "tests.plugins.stats",
    "tests.plugins.watchdog",
]
