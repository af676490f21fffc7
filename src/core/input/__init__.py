"""What a run is given: the URL list, its settings and their one validator, outside text made safe."""
