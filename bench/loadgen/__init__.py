"""The pieces of `bench/load.py`: a live server, keep-alive clients, a ledger of acknowledged writes."""
