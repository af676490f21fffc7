"""The Textual live monitor; the only package that imports textual."""
