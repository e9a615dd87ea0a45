"""Mahalat: the platform for a city's Neighborhood Social Councils."""

__version__ = "0.1.0"
