"""The trade tests use the root fixtures ``shared_data`` (the public data sets) and
``trade_dir`` (an empty statistics store per test, autouse)."""
