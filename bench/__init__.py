"""Benchmarks, run by hand with `make bench` (not tests): see bench/README.md."""
