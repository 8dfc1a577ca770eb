"""docker-compose.yml is a valid Compose file (checked against the vendored Compose
Specification schema: no compose engine runs here) and keeps secrets out of the file."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import yaml

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "deploy" / "compose-spec.schema.json").read_text())


def _compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_file_validates_against_the_compose_specification():
    validator = jsonschema.Draft7Validator(SCHEMA)
    errors = sorted(validator.iter_errors(_compose()), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors)


def test_the_schema_check_catches_a_broken_file():
    broken = _compose()
    broken["services"]["backend"]["ports"] = "8080:8080"  # must be a list
    broken["services"]["backend"]["restart_policy"] = "always"  # no such key
    assert len(list(jsonschema.Draft7Validator(SCHEMA).iter_errors(broken))) >= 2


def test_no_secret_is_written_into_the_compose_file():
    for name, service in _compose()["services"].items():
        env = service.get("environment") or {}
        for key, value in (env.items() if isinstance(env, dict) else []):
            if re.search(r"SECRET|PASSWORD|TOKEN", key):
                assert isinstance(value, str) and value.startswith("${"), f"{name}.{key} is not from the environment"


def test_only_nginx_publishes_ports():
    services = _compose()["services"]
    published = {name for name, service in services.items() if service.get("ports")}
    assert published == {"nginx"}
    assert sorted(str(p) for p in services["nginx"]["ports"]) == ["443:443", "80:80"]


def test_nginx_runs_the_shipped_config_and_the_backend_trusts_it_alone():
    services = _compose()["services"]
    nginx, backend = services["nginx"], services["backend"]
    assert "./deploy/nginx.conf:/etc/nginx/templates/nginx.conf.template:ro" in nginx["volumes"]
    # Every placeholder of the template is given, so the image's envsubst leaves none behind.
    placeholders = set(re.findall(r"\$\{([A-Z0-9_]+)\}", (ROOT / "deploy" / "nginx.conf").read_text()))
    assert placeholders and placeholders <= set(nginx["environment"])
    assert nginx["environment"]["NGINX_ENVSUBST_OUTPUT_DIR"] == "/etc/nginx"
    address = nginx["networks"]["default"]["ipv4_address"]
    assert backend["environment"]["CC142_TRUSTED_PROXIES"] == address


def test_backends_scale_behind_nginx():
    """`docker compose up --scale backend=N`: nothing in the backend service pins one
    container, and nginx spreads requests over every container named `backend`."""
    services = _compose()["services"]
    backend, nginx = services["backend"], services["nginx"]
    assert not {"container_name", "ports", "networks"} & backend.keys()
    assert "replicas" not in (backend.get("deploy") or {})  # --scale decides
    upstreams = nginx["environment"]["CC142_UPSTREAMS"]
    # re-resolved through Docker's DNS: containers added by --scale join without a restart
    assert "server backend:8080 resolve;" in upstreams and "zone " in upstreams
    assert "resolver 127.0.0.11" in upstreams
    major, minor, patch = (int(n) for n in nginx["image"].split(":")[1].split("."))
    assert (major, minor, patch) >= (1, 27, 3), "`resolve` needs open-source nginx 1.27.3 or later"
    # state lives in PostgreSQL only: the backend mounts no volume of its own
    assert not backend.get("volumes")


def test_rasa_replicas_share_trackers_in_postgres_and_locks_in_redis():
    services = _compose()["services"]
    replicas = sorted(name for name in services if re.fullmatch(r"rasa-\d+", name))
    assert replicas == ["rasa-1", "rasa-2"]
    urls = services["backend"]["environment"]["RASA_URL"].split(",")
    assert urls == [f"http://{name}:5005" for name in replicas]
    assert services["redis"]["image"] == "redis:7"
    for name in replicas:
        rasa = services[name]
        assert rasa["image"] == "rasa/rasa:3.6.21-full"
        endpoints = rasa["command"][rasa["command"].index("--endpoints") + 1]
        assert endpoints == "/app/deploy/rasa-endpoints.yml"
        assert {"postgres", "redis", "rasa-actions"} <= set(rasa["depends_on"])
        assert name in services["backend"]["depends_on"]
    endpoints = yaml.safe_load((ROOT / "deploy" / "rasa-endpoints.yml").read_text())
    tracker, lock = endpoints["tracker_store"], endpoints["lock_store"]
    database = services["postgres"]["environment"]["POSTGRES_DB"]
    # the backend deletes trackers in `<its database>_rasa` on the same server
    assert (tracker["type"], tracker["dialect"], tracker["url"]) == ("SQL", "postgresql", "postgres")
    assert (tracker["db"], tracker["login_db"]) == (f"{database}_rasa", database)
    assert tracker["password"] == "${POSTGRES_PASSWORD}"  # from the container's environment
    # Rasa's RedisLockStore with atomic ticket updates, importable from Rasa's working directory
    assert (lock["type"], lock["url"], lock["port"]) == ("cc142_locks.AtomicRedisLockStore", "redis", 6379)
    assert (ROOT / "chatbot" / "cc142_locks.py").is_file()
    assert all(rasa_wd == "/app/chatbot" for rasa_wd in (services[n]["working_dir"] for n in replicas))
    assert str(lock["key_prefix"]).isalnum()  # Rasa's rule for the prefix
