"""Tests of the contract gate's own machinery, and of the gate on another Flask app and over HTTP."""
