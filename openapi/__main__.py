"""`python -m openapi ...` runs the same CLI as the `openapi-contract` console script."""

from openapi.cli import main

raise SystemExit(main())
