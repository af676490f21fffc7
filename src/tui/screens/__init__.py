"""The live monitor's screens: the main one and its dialogs."""
