"""An app written for an older Flask stack, which `make gate-compat` gates from a venv of that stack."""
