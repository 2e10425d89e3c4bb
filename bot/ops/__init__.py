"""Operations: the health and metrics endpoints every platform and mode serves, and the Prometheus metrics."""
