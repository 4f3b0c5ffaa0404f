"""Workload loaders and benchmarks that print figures (see bench/README.md)."""
