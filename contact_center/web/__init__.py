"""The core's HTTP plumbing, whatever is mounted: the error and permission middlewares,
sessions, API auth, signatures, errors, health, OpenAPI."""
