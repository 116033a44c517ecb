"""The gate's own test: bugs injected into our app, and the gate that must catch each."""
