"""The headless front end (`fetchtui run`, `fetchtui sweep`): plain text out, no Textual."""
