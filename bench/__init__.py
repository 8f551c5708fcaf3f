"""Benchmarks, run by `make bench` (python -m bench). Each module has main(argv) and prints its figures,
each against a named baseline measured in the same run."""
