"""Local servers the tests and benchmarks share."""
