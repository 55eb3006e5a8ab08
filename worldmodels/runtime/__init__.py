"""Where work runs: this process, local worker processes, or Beam workers (a Dask cluster
among them). Every pool maps a picklable function over items, results in item order."""
