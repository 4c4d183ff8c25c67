"""Small pieces every app shares: domain errors and value parsing."""
