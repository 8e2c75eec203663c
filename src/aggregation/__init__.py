"""aggregation: regional référentiel, rule evaluation and minting of regional credentials."""
