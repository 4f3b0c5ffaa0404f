"""Duban (督办): the work system of a county government office."""
