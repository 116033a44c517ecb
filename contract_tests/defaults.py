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
# The app's CLI command that creates its tables in a fresh database (flaskr's convention, and ours).
INIT_DB_COMMAND = "init-db"
# The default auth hook's sign-in flow on our API.
REGISTER_PATH = "/api/auth/register"
LOGIN_PATH = "/api/auth/login"
