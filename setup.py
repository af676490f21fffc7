"""The package list, found: src/ is `fetchtui`, and every package folder under it ships as
its subpackage, so a new one cannot be left out of the wheel (the rest is in pyproject.toml)."""

from setuptools import find_packages, setup

setup(packages=["fetchtui", *(f"fetchtui.{name}" for name in find_packages("src"))])
