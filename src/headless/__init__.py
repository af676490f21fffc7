"""The headless front end (`fetchtui run`, `fetchtui sweep`): rich output, no Textual."""
