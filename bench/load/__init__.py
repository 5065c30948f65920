"""The load test: 200 simulated agents against the production server (see bench/README.md)."""
