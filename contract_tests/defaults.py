"""What the gate knows of this repository (its app, spec, sign-in and settings): the only place it says so.

Everything else in `contract_tests` is written for any Flask app and reads these names only as the
defaults of options a user can set.
"""

from __future__ import annotations

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# `--app` / CONTRACT_APP when neither is given: our service's factory.
DEFAULT_APP = "app:create_app"
# `--spec` / CONTRACT_SPEC when neither is given: the document `make spec` publishes.
DEFAULT_SPEC = PROJECT_ROOT / "openapi" / "openapi.json"
# Set while the app is built unless the environment sets them: Argon2 at production cost makes every
# login take ~0.1 s; the gate logs in often, and tests no hash.
CHEAP_PASSWORD_HASHING = {"PASSWORD_HASH_TIME_COST": "1", "PASSWORD_HASH_MEMORY_COST": "256"}
# Set the same way: throttling stays on, at limits a run never reaches for what every case shares (one
# client address, the gate's token); the per-account limit keeps its default, so a username that generated
# logins repeat meets a documented 429 that the gate checks like any other response.
GENEROUS_THROTTLING = {
    "RATELIMIT_LOGIN_PER_ADDRESS": "100000 per minute",
    "RATELIMIT_REGISTER_PER_ADDRESS": "100000 per minute",
    "RATELIMIT_API_PER_TOKEN": "100000 per minute",
}
# Everything the gate sets while it builds the app, unless the environment sets it already.
APP_ENVIRONMENT = {**CHEAP_PASSWORD_HASHING, **GENEROUS_THROTTLING}
# The app's CLI command that creates its tables in a fresh database (flaskr's convention, and ours).
INIT_DB_COMMAND = "init-db"
# The default auth hook's sign-in flow on our API.
REGISTER_PATH = "/api/auth/register"
LOGIN_PATH = "/api/auth/login"
