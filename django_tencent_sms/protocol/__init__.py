"""Request builders and response parsers, one module per API generation. Pure functions."""
