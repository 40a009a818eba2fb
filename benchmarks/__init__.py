"""Benchmarks of the retrieval core; run each as `python -m benchmarks.<name>`."""
