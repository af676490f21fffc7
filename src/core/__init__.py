"""The fetch engine and everything it needs; never imports textual."""
