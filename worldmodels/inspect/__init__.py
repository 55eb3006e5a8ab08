"""Looking at runs: ML Metadata queries, lineage, pictures, the HTML report, `play`."""
