"""The live monitor's widgets: each draws one view of the run."""
